package dev.domus.sched;

/**
 * What {@link SchedulingPolicy#schedule} decides for one pCPU: which unit runs next and
 * for how long before the policy must be asked again (Xen's {@code struct sched_resource}
 * return of {@code do_schedule}: next unit and time slice).
 *
 * <p>A mutable holder the caller preallocates per pCPU, so a decision allocates nothing.
 */
public final class SchedDecision {

    /** Unit id to run next, or {@link #IDLE} to leave the pCPU idle. */
    public int unit = IDLE;

    /**
     * Nanoseconds the unit may run before it is preempted. When idle: how long until the
     * policy wants to be asked again (for example a capped unit's budget comes back), or
     * {@link #NO_TIMEOUT} if only a wake-up can give this pCPU work.
     */
    public long sliceNs;

    public static final int IDLE = -1;

    /** Idle {@link #sliceNs}: no timer needed; the pCPU waits for a tickle. */
    public static final long NO_TIMEOUT = Long.MAX_VALUE;

    public SchedDecision set(int unit, long sliceNs) {
        this.unit = unit;
        this.sliceNs = sliceNs;
        return this;
    }

    @Override
    public String toString() {
        return unit == IDLE ? "idle" : "unit " + unit + " for " + sliceNs + " ns";
    }
}
