package dev.domus.dom0.metrics;

import java.util.Map;

/**
 * One domain as the toolstack reports it ({@code domus list --json}, and its counters from
 * {@code stats --json}), at one instant.
 *
 * @param domid      the domain
 * @param name       its configured name
 * @param state      one word: running, blocked, runnable, paused, shutdown, crashed, dying
 * @param memoryMib  memory it holds now
 * @param maxmemMib  its maximum reservation
 * @param vcpus      vCPUs online
 * @param cpuTimeNs  CPU time its vCPUs have used (a counter)
 * @param counters   its activity counters by the toolstack's key (e.g. {@code events_received},
 *                   {@code hypercalls:event_channel_op:EVTCHNOP_send}); empty if not sampled
 */
public record DomainSample(int domid, String name, String state, long memoryMib, long maxmemMib, int vcpus,
                           long cpuTimeNs, Map<String, Long> counters) {

    /** Every state word {@link #state} can take, for state-set metrics. */
    public static final java.util.List<String> STATES =
            java.util.List.of("running", "blocked", "runnable", "paused", "shutdown", "crashed", "dying");

    public DomainSample {
        counters = Map.copyOf(counters);
    }

    /** A domain without counters (what {@code list --json} alone gives). */
    public DomainSample(int domid, String name, String state, long memoryMib, long maxmemMib, int vcpus,
                        long cpuTimeNs) {
        this(domid, name, state, memoryMib, maxmemMib, vcpus, cpuTimeNs, Map.of());
    }

    /** The counter {@code key}, 0 when the toolstack did not report it. */
    public long counter(String key) {
        return counters.getOrDefault(key, 0L);
    }

    /** The sum of the counters whose key starts with {@code prefix} (e.g. all {@code hypercalls:}). */
    public long counterSum(String prefix) {
        long s = 0;
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                s += e.getValue();
            }
        }
        return s;
    }
}
