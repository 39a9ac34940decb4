package dev.domus.hv.boot;

/**
 * Building a domain failed; nothing of it is left (the builder destroys a half-built domain).
 * {@link #xenError()} is the failing hypercall's {@code XEN_E*} (positive), or 0.
 */
public final class DomainBuildException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int xenError;

    public DomainBuildException(String message, int xenError) {
        super(message);
        this.xenError = xenError;
    }

    public int xenError() {
        return xenError;
    }
}
