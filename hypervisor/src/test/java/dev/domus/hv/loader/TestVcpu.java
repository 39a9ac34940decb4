package dev.domus.hv.loader;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A vCPU stand-in for the loader's tests: a thread that implements {@link GuestThread} the
 * way the core's vCPU threads do, with an optional shared run token (one pCPU) that it gives
 * back and waits for again at every requested safepoint, and a kill switch.
 */
final class TestVcpu extends Thread implements GuestThread {

    /** The guest code a vCPU runs. */
    interface Body {
        void run() throws Throwable;
    }

    private final GuestThreadState state;
    private final Semaphore token;
    private final Body body;
    private volatile boolean requested;
    private volatile boolean killed;
    final AtomicInteger safepoints = new AtomicInteger();
    volatile Throwable outcome;

    TestVcpu(String name, GuestThreadState state, Semaphore token, Body body) {
        super(null, null, name, RECOMMENDED_STACK_SIZE);
        this.state = state;
        this.token = token;
        this.body = body;
        setDaemon(true);
    }

    @Override
    public void run() {
        if (token != null) {
            token.acquireUninterruptibly();
        }
        try {
            body.run();
        } catch (Throwable t) {
            outcome = t;
        } finally {
            if (token != null) {
                token.release();
            }
        }
    }

    /** Asks for a safepoint: with a token, the vCPU gives its pCPU to the next in line. */
    void preempt() {
        requested = true;
    }

    /** Destroys the vCPU's domain: it dies at its next safepoint. */
    void kill() {
        killed = true;
        requested = true;
    }

    @Override
    public boolean safepointRequested() {
        return requested;
    }

    @Override
    public void atSafepoint() {
        safepoints.incrementAndGet();
        requested = false; // cleared before the kill check: kill() sets killed first
        if (killed) {
            throw GuestTermination.killed();
        }
        if (token != null) {
            token.release();
            token.acquireUninterruptibly();
            if (killed) {
                throw GuestTermination.killed();
            }
        }
    }

    @Override
    public boolean killRequested() {
        return killed;
    }

    @Override
    public GuestThreadState guestState() {
        return state;
    }

    /** Joins the thread; it must end, since every test kills or finishes its guest. */
    Throwable awaitOutcome() throws InterruptedException {
        join();
        return outcome;
    }
}
