package dev.domus.dom0.migrate;

/**
 * A migration that did not complete. {@link #outcome()} says where the domain is: still
 * (only) on the source, or, when the source lost the target after the commit point and could
 * not find out, unknown (the source leaves its suspended copy alone rather than risk two).
 */
public final class MigrationException extends Exception {

    /** Where the domain is after the failure. */
    public enum Outcome {
        /** Only the source has it (resume it if it was suspended). */
        SOURCE,
        /** The target confirmed it runs there after all: the source destroys its copy. */
        TARGET,
        /** Cannot tell: leave the source's copy suspended and report. */
        UNKNOWN
    }

    private final Outcome outcome;
    private final transient MigrationReport report;

    public MigrationException(String message, Outcome outcome, MigrationReport report) {
        super(message);
        this.outcome = outcome;
        this.report = report;
    }

    public Outcome outcome() {
        return outcome;
    }

    /** The rounds done so far (for TARGET, the whole migration). */
    public MigrationReport report() {
        return report;
    }
}
