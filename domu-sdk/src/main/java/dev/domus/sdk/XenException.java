package dev.domus.sdk;

/**
 * The one exception the SDK throws for a failed hypercall or a misuse the hypervisor (or a
 * shared ring's protocol) would refuse: it carries Xen's error number and its name.
 *
 * <p>{@link #errno()} is the positive {@code XEN_E*} value (a hypercall returned its
 * negation); {@link #errnoName()} is its name from {@code xen/include/public/errno.h}. The
 * message names the operation and the cause, e.g.
 * {@code "EVTCHNOP_send(port 7): XEN_EINVAL (22): port is not bound"}.
 */
public final class XenException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    public XenException(int errno, String operation, String detail) {
        super(operation + ": " + XenErrors.name(errno) + " (" + errno + ")"
                + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.errno = errno;
    }

    public XenException(int errno, String operation) {
        this(errno, operation, XenErrors.describe(errno));
    }

    /** The positive Xen error number ({@code XEN_EINVAL} is 22). */
    public int errno() {
        return errno;
    }

    /** Xen's name for {@link #errno()}, e.g. {@code "XEN_EINVAL"}. */
    public String errnoName() {
        return XenErrors.name(errno);
    }

    /**
     * Returns {@code result} when it is {@code >= 0}; otherwise throws for {@code -result}.
     * The usual way to check a raw {@link dev.domus.abi.HypercallGate#call} result.
     */
    public static long check(long result, String operation) {
        if (result < 0) {
            throw new XenException((int) -result, operation);
        }
        return result;
    }
}
