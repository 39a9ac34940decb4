package dev.domus.sched.sim;

import dev.domus.sched.SchedParams;

/**
 * One {@code unit} line of a scenario: {@code count} identical units.
 *
 * @param name    the group's name (units are named {@code name} or {@code name#i})
 * @param count   how many units
 * @param work    what they do
 * @param params  their scheduling parameters
 * @param startNs when they first become runnable
 * @param stopNs  when they leave the scheduler (removed), or {@link Long#MAX_VALUE}
 */
public record UnitSpec(String name, int count, Workload work, SchedParams params, long startNs, long stopNs) {
}
