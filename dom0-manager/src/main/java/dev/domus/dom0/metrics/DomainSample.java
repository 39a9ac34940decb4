package dev.domus.dom0.metrics;

/**
 * One domain as the toolstack reports it ({@code domus list --json}), at one instant.
 *
 * @param domid      the domain
 * @param name       its configured name
 * @param state      one word: running, blocked, runnable, paused, shutdown, crashed, dying
 * @param memoryMib  memory it holds now
 * @param maxmemMib  its maximum reservation
 * @param vcpus      vCPUs online
 * @param cpuTimeNs  CPU time its vCPUs have used (a counter)
 */
public record DomainSample(int domid, String name, String state, long memoryMib, long maxmemMib, int vcpus,
                           long cpuTimeNs) {

    /** Every state word {@link #state} can take, for state-set metrics. */
    public static final java.util.List<String> STATES =
            java.util.List.of("running", "blocked", "runnable", "paused", "shutdown", "crashed", "dying");
}
