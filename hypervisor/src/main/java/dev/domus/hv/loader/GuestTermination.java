package dev.domus.hv.loader;

/**
 * Ends a guest's run on its vCPU thread: thrown by the instrumentation (and by
 * {@link GuestThread#atSafepoint()} when a domain is destroyed), never by guest code.
 *
 * <p>It is a host class that the verifier keeps out of every guest's reach, so a guest can
 * neither name it nor catch it specifically; catching {@code Throwable} or {@code Error}
 * does not help either, because every guest exception handler starts by rethrowing it.
 */
public final class GuestTermination extends Error {

    private static final long serialVersionUID = 1L;

    /** Why the guest was stopped. */
    public enum Reason {
        /** The domain is being destroyed. */
        KILLED,
        /** The domain's live Java heap went over its {@code java_heap} quota. */
        HEAP_QUOTA,
        /** The guest's call depth went over the bound. */
        STACK_DEPTH
    }

    private final Reason reason;

    public GuestTermination(Reason reason, String message) {
        super(message, null, false, false); // no stack trace: it is thrown on purpose, often
        this.reason = reason;
    }

    /** The error {@link GuestThread#atSafepoint()} throws when the domain is destroyed. */
    public static GuestTermination killed() {
        return new GuestTermination(Reason.KILLED, "domain destroyed");
    }

    public Reason reason() {
        return reason;
    }

    /** True for {@link Reason#KILLED}: the domain is going away, not crashing. */
    public boolean isKill() {
        return reason == Reason.KILLED;
    }
}
