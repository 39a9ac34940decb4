package dev.domus.hv.domain;

import dev.domus.hv.hypercall.CallContext;
import dev.domus.hv.loader.GuestTermination;
import dev.domus.hv.sched.RunTokens;
import dev.domus.hv.sched.RunnableUnit;
import dev.domus.sched.SchedUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One virtual CPU: its scheduling state, its pause count, whether it is blocked, and its
 * per-vCPU hypercall context (the preallocated buffer every hypercall copies its arguments
 * into). The thread that runs the guest on it is a {@link VcpuThread}.
 *
 * <p>Blocking and waking follow Xen's {@code SCHEDOP_block}: the blocker sets
 * {@link #blocked} and then re-checks for pending events; a sender marks events pending and
 * then clears {@code blocked}. Both sides use volatile accesses, so one of them always sees
 * the other (no lost wake-up).
 */
public final class Vcpu extends RunnableUnit {

    private final Domain domain;
    private final int index;
    private final RunTokens tokens;
    private final CallContext context;
    private final AtomicInteger pauseCount = new AtomicInteger();
    private volatile boolean safepointRequested;
    private volatile boolean blocked;
    private volatile boolean killed;
    private volatile boolean online;
    /** Xen's {@code _VPF_down}: set by VCPUOP_down, cleared by VCPUOP_up. */
    private volatile boolean down;
    private volatile VcpuThread thread;
    /** Ports this vCPU waits on in SCHEDOP_poll, or null. Written by the vCPU itself. */
    volatile int[] pollPorts;
    /** Handle of the single-shot timer in the host's TimerService, or -1. Guarded by this. */
    private long timerHandle = -1;

    Vcpu(Domain domain, int index, int unitId, RunTokens tokens) {
        super(new SchedUnit(unitId, domain.domid(), index));
        this.domain = domain;
        this.index = index;
        this.tokens = tokens;
        this.context = new CallContext(domain, this);
    }

    public Domain domain() {
        return domain;
    }

    public int index() {
        return index;
    }

    public CallContext context() {
        return context;
    }

    /** Swaps the single-shot timer handle (set_timer_op); returns the previous one or -1. */
    public synchronized long swapTimerHandle(long handle) {
        long old = timerHandle;
        timerHandle = handle;
        return old;
    }

    /** Clears the handle if it is still {@code handle} (the timer fired). */
    public synchronized void timerFired(long handle) {
        if (timerHandle == handle) {
            timerHandle = -1;
        }
    }

    /** Sets or clears the ports this vCPU polls (SCHEDOP_poll). */
    public void polling(int[] ports) {
        this.pollPorts = ports;
    }

    public boolean isBlocked() {
        return blocked;
    }

    /** Waiting in SCHEDOP_poll. */
    public boolean isPolling() {
        return pollPorts != null;
    }

    /** The vCPU's thread runs and the vCPU is not down (Xen's nr_online_vcpus counts these). */
    public boolean isOnline() {
        return online && !down;
    }

    /** Brought down with VCPUOP_down and not up again. */
    public boolean isDown() {
        return down;
    }

    /** Its thread has started and not ended: the vCPU has a context to bring up again. */
    public boolean hasThread() {
        return online;
    }

    public boolean isKilled() {
        return killed;
    }

    public int pauseCount() {
        return pauseCount.get();
    }

    /** The cheap check the gate and the instrumented guest code make. */
    public boolean safepointRequested() {
        return safepointRequested;
    }

    @Override
    protected boolean wantsToRun() {
        return online && !down && !blocked && !killed && pauseCount.get() == 0 && domain.allowsRunning();
    }

    @Override
    protected boolean sleepsBlocked() {
        return blocked;
    }

    /** Adds this vCPU's nanoseconds in each Xen runstate (RUNSTATE_*) up to now into {@code out}. */
    public void addRunstateTimes(long[] out) {
        tokens.addRunstateTimes(this, out);
    }

    /** Adds this vCPU's wake-to-run latency histogram into {@code out} (RunTokens.addWakeLatency). */
    public void addWakeLatency(long[] out) {
        tokens.addWakeLatency(this, out);
    }

    /** This vCPU's Xen runstate now (RUNSTATE_*). */
    public int runstate() {
        return tokens.runstate(this);
    }

    @Override
    protected void requestSafepoint() {
        safepointRequested = true;
    }

    @Override
    protected Thread thread() {
        return thread;
    }

    void attach(VcpuThread t) {
        this.thread = t;
        this.online = true;
    }

    void goOffline() {
        online = false;
    }

    /**
     * Called on this vCPU's own thread at a safepoint: dies if killed, gives up the token if
     * it should (slice over, paused, blocked, tickled) and parks until it gets one again.
     */
    public void atSafepoint() {
        if (!safepointRequested) {
            return;
        }
        safepointRequested = false;
        if (killed) {
            throw GuestTermination.killed();
        }
        if (!tokens.reschedule(this, false)) {
            waitForToken();
        }
    }

    /** SCHEDOP_yield on this vCPU's own thread. */
    public void yieldNow() {
        if (!tokens.reschedule(this, true)) {
            waitForToken();
        }
    }

    /**
     * SCHEDOP_block on this vCPU's own thread: sleeps until {@code evtchn_upcall_pending} is
     * set for this vCPU, the vCPU is killed, or {@link #wake} is called. Allocates nothing.
     */
    public void block() {
        blocked = true;
        if (domain.events().upcallPending(index) || killed) {
            blocked = false;
            return;
        }
        if (!tokens.reschedule(this, false)) {
            waitForToken();
        }
        blocked = false;
    }

    /** SCHEDOP_poll's wait: like {@link #block()} but until {@code ready} holds. */
    public void block(java.util.function.BooleanSupplier ready) {
        blocked = true;
        if (ready.getAsBoolean() || killed) {
            blocked = false;
            return;
        }
        if (!tokens.reschedule(this, false)) {
            waitForToken();
        }
        blocked = false;
    }

    /** An event (or timer, or unpause) for this vCPU: a blocked vCPU becomes runnable. */
    public void wake() {
        if (blocked) {
            blocked = false;
            tokens.update(this);
        }
    }

    /**
     * VCPUOP_down: the vCPU is no longer runnable. If it holds a pCPU it gives it back at its
     * next safepoint (at once when it downs itself: the gate checks after the hypercall);
     * waiting or blocked, it leaves the run queue now. Its thread stays parked in the
     * hypervisor, its context kept, until {@link #bringUp}.
     */
    void bringDown() {
        down = true;
        tokens.update(this);
    }

    /** VCPUOP_up: runnable again (if nothing else stops it); it continues where it stopped. */
    void bringUp() {
        if (down) {
            down = false;
            tokens.update(this);
        }
    }

    void pause() {
        pauseCount.incrementAndGet();
        tokens.update(this);
    }

    void unpause() {
        if (pauseCount.updateAndGet(c -> c > 0 ? c - 1 : 0) == 0) {
            tokens.update(this);
        }
    }

    /** The domain's state changed (pause, unpause, shutdown): re-evaluate runnability. */
    void reevaluate() {
        tokens.update(this);
    }

    void kill() {
        killed = true;
        safepointRequested = true;
        tokens.update(this);
        VcpuThread t = thread;
        if (t != null) {
            java.util.concurrent.locks.LockSupport.unpark(t);
        }
    }

    private void waitForToken() {
        domain.physmap().offline(index);
        tokens.awaitToken(this, () -> killed);
        if (killed) {
            throw GuestTermination.killed();
        }
        domain.publishTime(index);
    }

    /**
     * Republishes the system time in this vCPU's vcpu_time_info. A guest has no TSC to
     * extrapolate from, so a vCPU that wakes from block or poll without a new schedule-in
     * (it kept its pCPU) would otherwise read the time it went to sleep at, and a deadline
     * computed from that time would never pass: the SDK then spun in SCHEDOP_poll forever.
     */
    public void refreshTime() {
        domain.publishTime(index);
    }

    /** CPU time in nanoseconds, including the current slice. */
    public long cpuTime() {
        return tokens.cpuTimeNs(this);
    }

    RunTokens tokens() {
        return tokens;
    }

    @Override
    public String toString() {
        return "d" + domain.domid() + "v" + index;
    }
}
