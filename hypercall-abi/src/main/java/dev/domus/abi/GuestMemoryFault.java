package dev.domus.abi;

/**
 * Raised when a guest touches a guest-physical address it does not own: the Domus form of
 * an unrecoverable page fault. Uncaught, it crashes the faulting domain (its
 * {@code on_crash} action applies), never the host.
 */
public final class GuestMemoryFault extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long address;

    public GuestMemoryFault(long address, String reason) {
        super(String.format("guest memory fault at 0x%x: %s", address, reason));
        this.address = address;
    }

    /** The guest-physical address of the faulting access. */
    public long address() {
        return address;
    }
}
