package dev.domus.dom0.save;


/**
 * The cooperative suspend handshake of a Xen PV guest, from Dom0's side: write
 * {@code control/shutdown = suspend}, then watch the domain's state until it has shut down
 * with reason suspend, or give up after a timeout (the request is withdrawn and the guest
 * keeps running).
 */
public final class Suspender {

    /** How often the domain's state is polled while waiting. */
    private static final long POLL_NANOS = 2_000_000;
    /** How often the request is written again while the guest has not acted on it. */
    private static final long REPOKE_NANOS = 250_000_000;

    private Suspender() {
    }

    /**
     * Asks and waits.
     *
     * @param request    writes control/shutdown (the argument is the value: "suspend", or "" to withdraw)
     * @param suspended  true once the domain is in the shutdown state with reason suspend
     * @param gone       true if the domain has died or shut down some other way meanwhile
     * @throws ImageException if it did not suspend in time or went away
     */
    public static void suspend(java.util.function.Consumer<String> request, java.util.function.BooleanSupplier suspended,
                               java.util.function.BooleanSupplier gone, long timeoutNanos, String name)
            throws ImageException, InterruptedException {
        request.accept("suspend");
        long start = System.nanoTime();
        long deadline = start + timeoutNanos;
        long nextPoke = start + REPOKE_NANOS;
        while (!suspended.getAsBoolean()) {
            if (System.nanoTime() - nextPoke > 0) {
                // Write the request again: a guest that missed the watch event gets another one.
                request.accept("suspend");
                nextPoke += REPOKE_NANOS;
            }
            if (gone.getAsBoolean()) {
                throw new ImageException(name + " shut down or crashed instead of suspending");
            }
            if (System.nanoTime() - deadline > 0) {
                request.accept("");
                if (suspended.getAsBoolean()) {
                    return; // made it just in time
                }
                throw new ImageException(name + " did not reach its suspend point within "
                        + timeoutNanos / 1_000_000 + " ms; it keeps running");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(POLL_NANOS);
            if (Thread.interrupted()) {
                request.accept("");
                throw new InterruptedException("save of " + name + " interrupted while waiting for it to suspend");
            }
        }
    }

}
