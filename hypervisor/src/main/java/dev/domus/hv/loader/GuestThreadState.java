package dev.domus.hv.loader;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The instrumentation's per-vCPU-thread state: the guest call depth and the allocation
 * sampling countdown. Only its own thread touches it (single writer, no locks); the
 * {@link HeapQuota} it reports to is the domain's, shared by the domain's vCPUs.
 */
public final class GuestThreadState {

    /** Default bound on the guest's call depth (instrumented guest methods on the stack). */
    public static final int DEFAULT_MAX_DEPTH = 2048;

    private final HeapQuota quota;
    private final int maxDepth;
    int depth;
    long countdown;
    long pendingBytes;

    public GuestThreadState(HeapQuota quota) {
        this(quota, DEFAULT_MAX_DEPTH);
    }

    public GuestThreadState(HeapQuota quota, int maxDepth) {
        if (maxDepth <= 0) {
            throw new IllegalArgumentException("max depth must be positive, got " + maxDepth);
        }
        this.quota = quota;
        this.maxDepth = maxDepth;
        this.countdown = nextInterval();
    }

    public HeapQuota quota() {
        return quota;
    }

    public int maxDepth() {
        return maxDepth;
    }

    /** Current guest call depth (0 outside guest code). */
    public int depth() {
        return depth;
    }

    void enter() {
        if (++depth > maxDepth) {
            depth = 0; // the whole guest stack unwinds: nothing of it is re-entered
            throw new GuestTermination(GuestTermination.Reason.STACK_DEPTH,
                    "guest call depth over " + maxDepth + " (runaway recursion)");
        }
    }

    void exit() {
        if (depth > 0) {
            depth--;
        }
    }

    /** Before an array of {@code bytes} is allocated: refuse it if it can never fit. */
    void beforeArray(long bytes) {
        pendingBytes = bytes;
        if (bytes >= quota.sampleInterval()) {
            quota.checkLarge(bytes);
        }
    }

    /** After an allocation of {@code bytes} produced {@code object}: maybe sample it. */
    void allocated(Object object, long bytes) {
        if (bytes >= quota.sampleInterval()) {
            quota.sample(object, bytes); // big allocations are always counted, at their size
            return;
        }
        long left = countdown - bytes;
        if (left > 0) {
            countdown = left;
            return;
        }
        countdown = nextInterval();
        quota.sample(object, quota.sampleInterval());
    }

    private long nextInterval() {
        // Exponential with mean sampleInterval: a guest cannot predict the next sample.
        double u = ThreadLocalRandom.current().nextDouble();
        long next = (long) (-Math.log(1.0 - u) * quota.sampleInterval());
        return Math.max(1, next);
    }
}
