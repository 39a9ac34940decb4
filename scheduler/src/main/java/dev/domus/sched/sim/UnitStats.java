package dev.domus.sched.sim;

/**
 * What one simulated unit got.
 *
 * @param name              unit name ({@code group} or {@code group#i})
 * @param group             index of its {@link UnitSpec} in the scenario
 * @param cpuNs             CPU time it ran
 * @param share             {@code cpuNs} over the time it was in the scheduler (1.0 = a whole pCPU)
 * @param wakeups           times it became runnable
 * @param meanLatencyNs     mean wake-to-run latency
 * @param maxLatencyNs      worst wake-to-run latency
 * @param jobs              real-time jobs released (rt units)
 * @param deadlineMisses    jobs unfinished at their deadline
 * @param migrations        times it ran on a different pCPU than the last time
 * @param softNs            CPU time on pCPUs of its soft affinity (all of it if it has none)
 * @param hardViolations    times it was put on a pCPU outside its hard affinity (must be 0)
 */
public record UnitStats(String name, int group, long cpuNs, double share, long wakeups, long meanLatencyNs,
                        long maxLatencyNs, long jobs, long deadlineMisses, long migrations, long softNs,
                        long hardViolations) {
}
