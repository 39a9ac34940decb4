package dev.domus.dom0.xenstore.ring;

/** A Dom0 hypercall a backend made failed; the message says what was attempted and the Xen error. */
public final class Dom0CallException extends RuntimeException {

    private final long xenError;

    public Dom0CallException(String what, long rc) {
        super(what + " failed: error " + rc);
        this.xenError = rc;
    }

    /** The negated Xen errno the hypercall returned (or the per-page error of a batch). */
    public long xenError() {
        return xenError;
    }
}
