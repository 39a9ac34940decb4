package dev.domus.hv.sched;

import dev.domus.sched.SchedUnit;

/**
 * What {@link RunTokens} schedules: one vCPU's scheduling state. The vCPU class extends it
 * and says when it wants to run; {@code RunTokens} owns every field here and changes them
 * only under its lock, except {@link #pcpu}, which the vCPU's own thread reads without the
 * lock to learn that it was handed a token.
 */
public abstract class RunnableUnit {

    static final int OFFLINE = 0;
    static final int SLEEPING = 1;
    static final int WAITING = 2;
    static final int RUNNING = 3;

    final SchedUnit unit;
    int state = OFFLINE;
    /** The pCPU whose token this unit holds, or -1. Written under the lock, read by the owner. */
    volatile int pcpu = -1;
    private volatile long cpuTimeNs;

    protected RunnableUnit(SchedUnit unit) {
        this.unit = unit;
    }

    public final SchedUnit schedUnit() {
        return unit;
    }

    /** The pCPU this unit runs on now, or -1 when it holds no token. */
    public final int currentPcpu() {
        return pcpu;
    }

    /** Nanoseconds this unit has held a token, up to its last reschedule. */
    public final long cpuTimeNs() {
        return cpuTimeNs;
    }

    final void charge(long ns) {
        cpuTimeNs = cpuTimeNs + ns; // single writer: the scheduler lock holder
    }

    /**
     * Whether the unit is runnable now (started, not blocked, not paused, not dying).
     * Called under the scheduler lock; must be cheap and must not call back into it.
     */
    protected abstract boolean wantsToRun();

    /** Asks the unit's thread to come to its next safepoint (a tickle); never blocks. */
    protected abstract void requestSafepoint();

    /** The thread to unpark when the unit is handed a token or must notice it is dying. */
    protected abstract Thread thread();
}
