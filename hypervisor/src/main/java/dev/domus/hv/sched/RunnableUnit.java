package dev.domus.hv.sched;

import dev.domus.abi.DomusStats;
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
    /** When the unit last woke (SLEEPING to WAITING) and has not been granted a token since, else -1 (lock). */
    private long wokenAt = -1;
    /** The wokenAt of the grant the unit's thread has not yet taken up, else -1 (see {@link #tokenTaken}). */
    private long grantedWokenAt = -1;
    /**
     * Wake-to-run latencies by DomusStats bucket (index = log2 bound), and their sum in ns.
     * Single writer, the unit's own thread; read racily for statistics.
     */
    private final long[] wakeLatency = new long[DomusStats.DOMUS_STATS_WAKE_LATENCY_MAX_LOG2 + 1];
    private long wakeLatencySumNs;

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
        if (s == WAITING && state == SLEEPING) {
            wokenAt = now;
        } else if (s == RUNNING) {
            grantedWokenAt = wokenAt; // published to the unit's thread by the volatile pcpu write after
            wokenAt = -1;
        } else if (s != WAITING) {
            wokenAt = -1; // paused or gone again before it ran: no latency to count
        }
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

    /**
     * Called by the unit's own thread when it finds it holds a token: a grant that followed a
     * wake-up counts its wake-to-run latency, the time from the wake-up to the thread running
     * again (the scheduler's pick plus the host's thread wake-up).
     */
    final void tokenTaken(long now) {
        long woken = grantedWokenAt;
        if (woken >= 0) {
            grantedWokenAt = -1;
            long ns = Math.max(0, now - woken);
            wakeLatency[DomusStats.wakeLatencyBucket(ns)]++;
            wakeLatencySumNs += ns;
        }
    }

    /**
     * Adds the wake-to-run histogram into {@code out}: {@code out[b]} for bucket b (see
     * {@link DomusStats#DOMUS_STATS_wake_latency}), the sum in ns at index
     * {@code DOMUS_STATS_WAKE_LATENCY_MAX_LOG2 + 1} (under the lock).
     */
    final void addWakeLatency(long[] out) {
        for (int b = 0; b < wakeLatency.length; b++) {
            out[b] += wakeLatency[b];
        }
        out[wakeLatency.length] += wakeLatencySumNs;
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
