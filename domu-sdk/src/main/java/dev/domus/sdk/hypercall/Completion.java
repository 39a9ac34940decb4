package dev.domus.sdk.hypercall;

import dev.domus.sdk.XenException;

/**
 * The handle of one asynchronous hypercall ({@link AsyncHypercalls#submit}). Handles are
 * recycled from a pool the size of the ring (no allocation per call): read a handle's result
 * before submitting another ring-size worth of calls, after which the same object tracks a
 * newer call ({@link #id()} tells which).
 */
public final class Completion {

    private final AsyncHypercalls owner;
    long id;
    int op;
    boolean done;
    long result;

    Completion(AsyncHypercalls owner) {
        this.owner = owner;
    }

    /** The request id this handle tracks. */
    public long id() {
        return id;
    }

    /** True once the hypervisor has answered (call {@link AsyncHypercalls#poll()} to collect answers). */
    public boolean isDone() {
        return done;
    }

    /** Blocks until answered (see {@link AsyncHypercalls#await(Completion)}), then returns the result or throws. */
    public long await() {
        owner.await(this);
        return result();
    }

    /** The hypercall's result ({@code >= 0}), or throws its error. */
    public long result() {
        if (!done) {
            throw new IllegalStateException("async hypercall " + id + " has not completed yet");
        }
        return XenException.check(result, "async hypercall " + op + " (id " + id + ")");
    }

    /** The raw result: {@code >= 0} or {@code -XEN_E*}. */
    public long rawResult() {
        return result;
    }
}
