package dev.domus.sched;

/**
 * A scheduling policy over units and pCPUs: the Java form of Xen's {@code struct scheduler}
 * hooks ({@code insert_unit}, {@code remove_unit}, {@code wake}, {@code sleep},
 * {@code do_schedule}, {@code adjust}).
 *
 * <p>The caller (the hypervisor's run-token scheduler, or the virtual-time simulator) owns
 * time and threads; a policy only decides. All times are nanoseconds on the caller's
 * monotonic clock. Calls are made under the caller's scheduler lock, so implementations
 * need not be thread-safe, and must not allocate on {@link #wake}, {@link #sleep} or
 * {@link #schedule}.
 *
 * <p>Protocol, per pCPU: the caller asks {@link #schedule} whenever the pCPU's current unit
 * blocks, yields, uses up its slice, or is told to reschedule by a tickle; it reports how
 * long the previous unit actually ran so the policy can charge it. {@link #wake} returns
 * the pCPU (if any) whose current unit should be preempted in favour of the woken one.
 */
public interface SchedulingPolicy {

    /** Xen's name for the policy: {@code credit2}, {@code credit}, {@code rtds}, {@code null}. */
    String name();

    /** Adds a unit, not yet runnable, with the policy's default parameters. */
    void insertUnit(SchedUnit unit);

    /**
     * Adds a unit, not yet runnable, with the given parameters, checked first: if they are
     * refused (see {@link #adjust}) the unit is not added. Policies with admission control
     * (RTDS) admit the unit with these parameters rather than with their defaults.
     *
     * @throws IllegalArgumentException naming the bad parameter; nothing changes then
     */
    default void insertUnit(SchedUnit unit, SchedParams params) {
        insertUnit(unit);
        try {
            adjust(unit.id(), params);
        } catch (RuntimeException e) {
            removeUnit(unit);
            throw e;
        }
    }

    /** Removes a unit; it must not be running on any pCPU. */
    void removeUnit(SchedUnit unit);

    /**
     * The unit became runnable at {@code now}.
     *
     * @return a pCPU whose current unit should be preempted so this one can run soon
     *         (the caller then asks {@link #schedule} for that pCPU), or -1 for none
     */
    int wake(int unitId, long now);

    /** The unit stopped being runnable (blocked, paused, offline) at {@code now}. */
    void sleep(int unitId, long now);

    /**
     * Picks what runs next on {@code pcpu}.
     *
     * @param prevUnit the unit that was running there, or {@link SchedDecision#IDLE}
     * @param prevRanNs how long {@code prevUnit} ran since it was last scheduled (charged to it)
     * @param prevRunnable whether {@code prevUnit} is still runnable (preempted or yielded,
     *        not blocked)
     * @param out the decision, filled in and returned
     */
    SchedDecision schedule(int pcpu, long now, int prevUnit, long prevRanNs, boolean prevRunnable,
                           SchedDecision out);

    /** The unit yields: it stays runnable but should go behind its peers. */
    default void yield(int unitId, long now) {
    }

    /**
     * Sets a unit's parameters (weight, cap, affinity, period, budget: see {@link SchedParams}).
     *
     * @throws IllegalArgumentException naming the bad parameter; nothing changes then
     */
    void adjust(int unitId, SchedParams params);

    /** The unit's current parameters. */
    SchedParams params(int unitId);
}
