package dev.domus.sdk;

/**
 * Thrown through the guest's code after the SDK has asked the hypervisor to shut the domain
 * down (poweroff, reboot or crash), so the kernel's {@code main} unwinds; {@link DomusKernel}
 * catches it and returns. Guests should not catch it.
 */
public final class GuestShutdown extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int reason;

    public GuestShutdown(int reason) {
        super("domain shut down (SHUTDOWN reason " + reason + ")");
        this.reason = reason;
    }

    /** The SHUTDOWN_* reason. */
    public int reason() {
        return reason;
    }
}
