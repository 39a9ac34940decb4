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

    /** Nanoseconds the unit may run before it is preempted; ignored when idle. */
    public long sliceNs;

    public static final int IDLE = -1;

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
