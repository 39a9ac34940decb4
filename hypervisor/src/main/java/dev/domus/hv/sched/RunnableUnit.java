package dev.domus.hv.sched;

import dev.domus.abi.VcpuOp;
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
    /** Nanoseconds spent in each Xen runstate (RUNSTATE_running..offline), under the lock. */
    private final long[] runstateNs = new long[4];
    private int runstate = VcpuOp.RUNSTATE_offline;
    private long runstateEntry = System.nanoTime();

    protected RunnableUnit(SchedUnit unit) {
        this.unit = unit;
    }

    /**
     * Moves to scheduling state {@code s} at {@code now} (under the lock) and charges the time
     * since the last move to the Xen runstate it was in: RUNNING is running, WAITING runnable,
     * SLEEPING blocked when the unit {@link #sleepsBlocked} and offline otherwise (paused,
     * as Xen), OFFLINE offline. Entering the same state again re-classifies a sleep.
     */
    final void enter(int s, long now) {
        state = s;
        runstateNs[runstate] += Math.max(0, now - runstateEntry);
        runstateEntry = now;
        runstate = switch (s) {
            case RUNNING -> VcpuOp.RUNSTATE_running;
            case WAITING -> VcpuOp.RUNSTATE_runnable;
            case SLEEPING -> sleepsBlocked() ? VcpuOp.RUNSTATE_blocked : VcpuOp.RUNSTATE_offline;
            default -> VcpuOp.RUNSTATE_offline;
        };
    }

    /** Adds the time in each runstate, up to {@code now}, into {@code out} (under the lock). */
    final void addRunstate(long[] out, long now) {
        for (int i = 0; i < runstateNs.length; i++) {
            out[i] += runstateNs[i];
        }
        out[runstate] += Math.max(0, now - runstateEntry);
    }

    /** The Xen runstate the unit is in now (under the lock). */
    final int runstate() {
        return runstate;
    }

    /**
     * Whether a unit that does not want to run waits for an event (RUNSTATE_blocked) rather
     * than being held off (paused: RUNSTATE_offline). Called under the lock; must be cheap.
     */
    protected boolean sleepsBlocked() {
        return false;
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
