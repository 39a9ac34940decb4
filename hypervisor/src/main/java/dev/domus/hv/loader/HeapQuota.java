package dev.domus.hv.loader;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A domain's Java heap quota ({@code java_heap} in its config) and the estimate of how much
 * of the host's heap the domain keeps alive.
 *
 * <p>The estimate is a weighted random sample of the domain's allocations, the way JEP 331
 * and tcmalloc's heap profiler sample: each vCPU thread counts down the bytes its guest code
 * allocates (see {@link GuestThreadState}); when the countdown crosses zero, after a random
 * exponentially distributed number of bytes with mean {@link #sampleInterval()}, the object
 * just allocated becomes a sample worth that many bytes, held by a weak reference. The sum of
 * the weights of the samples still alive is an unbiased estimate of the domain's live bytes,
 * and a guest cannot predict which allocation will be sampled. An allocation at least as big
 * as the interval is always sampled at its own size.
 *
 * <p>When the estimate goes over the quota, the domain's cleared samples are discounted; if
 * it is still over, the host runs a full collection (rare: a domain at its limit) and counts
 * again; if it is still over, the allocating vCPU gets a
 * {@link GuestTermination.Reason#HEAP_QUOTA} termination and the domain crashes. A single
 * allocation bigger than what is left of the quota is refused before it is made, so a guest
 * cannot exhaust the host's heap with one huge array.
 *
 * <p>What is counted: arrays the guest allocates (exact size), objects of guest classes
 * (header plus fields), arrays it clones. Not counted: memory allocated inside JDK methods
 * on the guest's behalf (a collection's backing array, boxed values); a guest that exhausts
 * the host's heap that way gets an {@link OutOfMemoryError}, which its handlers cannot catch
 * and which crashes its domain.
 */
public final class HeapQuota {

    /** Default sampling interval: one sample per 64 KiB allocated, on average. */
    public static final long DEFAULT_SAMPLE_INTERVAL = 64 * 1024;

    private final long limitBytes;
    private final long sampleInterval;
    private final AtomicLong liveEstimate = new AtomicLong();
    private final ReferenceQueue<Object> cleared = new ReferenceQueue<>();
    private final Set<Sample> samples = ConcurrentHashMap.newKeySet();

    /** A quota of {@code limitBytes}, sampled every 64 KiB or 1/64 of the quota if smaller. */
    public HeapQuota(long limitBytes) {
        this(limitBytes, Math.max(1024, Math.min(DEFAULT_SAMPLE_INTERVAL, limitBytes / 64)));
    }

    public HeapQuota(long limitBytes, long sampleInterval) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("java_heap quota must be positive, got " + limitBytes);
        }
        if (sampleInterval <= 0) {
            throw new IllegalArgumentException("sample interval must be positive, got " + sampleInterval);
        }
        this.limitBytes = limitBytes;
        this.sampleInterval = sampleInterval;
    }

    /** The quota in bytes. */
    public long limitBytes() {
        return limitBytes;
    }

    /** Mean number of bytes between two samples. */
    public long sampleInterval() {
        return sampleInterval;
    }

    /** Current estimate of the bytes the domain keeps alive (samples not yet seen dead count). */
    public long liveBytesEstimate() {
        drain();
        return liveEstimate.get();
    }

    /** Number of samples held (for tests and for {@code domus info}). */
    public int sampleCount() {
        return samples.size();
    }

    /** Records {@code object} as a sample worth {@code weight} bytes; may terminate the guest. */
    void sample(Object object, long weight) {
        drain();
        samples.add(new Sample(object, weight, cleared));
        if (liveEstimate.addAndGet(weight) > limitBytes) {
            enforce(0);
        }
    }

    /** Refuses, before it is made, an allocation of {@code bytes} that cannot fit the quota. */
    void checkLarge(long bytes) {
        if (bytes > limitBytes - liveEstimate.get()) {
            enforce(bytes);
        }
    }

    /** Slow path: recount after discarding dead samples, then after a full GC; else terminate. */
    private void enforce(long incoming) {
        if (recount() + incoming <= limitBytes) {
            return;
        }
        System.gc(); // rare: only a domain at its limit gets here
        if (recount() + incoming <= limitBytes) {
            return;
        }
        throw new GuestTermination(GuestTermination.Reason.HEAP_QUOTA, String.format(
                "java_heap quota exceeded: about %d KiB live%s, quota %d KiB",
                liveEstimate.get() >> 10,
                incoming > 0 ? " and " + (incoming >> 10) + " KiB requested" : "",
                limitBytes >> 10));
    }

    /** Discounts every sample whose object is gone, whether or not it was enqueued yet. */
    private long recount() {
        drain();
        for (Sample s : samples) {
            if (s.refersTo(null) && samples.remove(s)) {
                liveEstimate.addAndGet(-s.weight);
            }
        }
        return liveEstimate.get();
    }

    private void drain() {
        Reference<?> r;
        while ((r = cleared.poll()) != null) {
            Sample s = (Sample) r;
            if (samples.remove(s)) {
                liveEstimate.addAndGet(-s.weight);
            }
        }
    }

    /** Forgets every sample: the domain is gone. */
    public void release() {
        samples.clear();
        liveEstimate.set(0);
    }

    private static final class Sample extends WeakReference<Object> {
        final long weight;

        Sample(Object referent, long weight, ReferenceQueue<Object> queue) {
            super(referent, queue);
            this.weight = weight;
        }
    }
}
