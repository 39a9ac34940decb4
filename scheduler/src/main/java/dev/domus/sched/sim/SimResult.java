package dev.domus.sched.sim;

import java.util.List;

/**
 * The outcome of one simulation run.
 *
 * @param scenario   what ran
 * @param units      per-unit results, in scenario order
 * @param idleNs     per-pCPU idle time
 * @param decisions  number of {@code schedule} calls made
 */
public record SimResult(Scenario scenario, List<UnitStats> units, long[] idleNs, long decisions) {

    /** The unit with this name. */
    public UnitStats unit(String name) {
        for (UnitStats u : units) {
            if (u.name().equals(name)) {
                return u;
            }
        }
        throw new IllegalArgumentException("no unit named " + name);
    }

    public long totalIdleNs() {
        long t = 0;
        for (long i : idleNs) {
            t += i;
        }
        return t;
    }

    /** Idle time over all pCPUs as a fraction of their total time. */
    public double idleFraction() {
        return (double) totalIdleNs() / ((double) scenario.durationNs() * idleNs.length);
    }

    public long totalMigrations() {
        long m = 0;
        for (UnitStats u : units) {
            m += u.migrations();
        }
        return m;
    }

    public long totalDeadlineMisses() {
        long m = 0;
        for (UnitStats u : units) {
            m += u.deadlineMisses();
        }
        return m;
    }

    public long totalHardViolations() {
        long m = 0;
        for (UnitStats u : units) {
            m += u.hardViolations();
        }
        return m;
    }
}
