package dev.domus.dom0.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A host at one instant: what {@code domus info --json} and {@code domus list --json} say,
 * stamped with the monotonic time it was taken (for rates such as CPU%).
 *
 * @param nanoTime       {@link System#nanoTime()} when sampled
 * @param pcpus          physical CPUs
 * @param totalMemoryMib machine memory
 * @param freeMemoryMib  machine memory no domain holds
 * @param domains        the domains, in domid order
 * @param hostCounters   info's integer fields that count xenstored's work ({@code xenstore_*})
 */
public record HostSample(long nanoTime, int pcpus, long totalMemoryMib, long freeMemoryMib,
                         List<DomainSample> domains, Map<String, Long> hostCounters) {

    public HostSample {
        domains = List.copyOf(domains);
        hostCounters = Map.copyOf(hostCounters);
    }

    /** A sample without host counters. */
    public HostSample(long nanoTime, int pcpus, long totalMemoryMib, long freeMemoryMib, List<DomainSample> domains) {
        this(nanoTime, pcpus, totalMemoryMib, freeMemoryMib, domains, Map.of());
    }

    /** A host counter from {@code info --json} (e.g. {@code xenstore_watch_events}), 0 if not reported. */
    public long hostCounter(String key) {
        return hostCounters.getOrDefault(key, 0L);
    }

    /** Builds a sample from the toolstack's two JSON replies; malformed text is refused. */
    public static HostSample parse(long nanoTime, String infoJson, String listJson) {
        return parse(nanoTime, infoJson, listJson, null);
    }

    /**
     * Builds a sample from {@code info --json}, {@code list --json} and (unless null)
     * {@code stats --json}, whose integer fields become each domain's counters; malformed text
     * is refused.
     */
    public static HostSample parse(long nanoTime, String infoJson, String listJson, String statsJson) {
        Map<String, Object> info = FlatJson.object(infoJson);
        Map<Integer, Map<String, Long>> counters = new java.util.HashMap<>();
        if (statsJson != null) {
            for (Map<String, Object> d : FlatJson.array(statsJson)) {
                Map<String, Long> c = new java.util.LinkedHashMap<>();
                d.forEach((k, v) -> {
                    if (v instanceof Long n && !k.equals("domid")) {
                        c.put(k, n);
                    }
                });
                counters.put((int) num(d, "domid"), c);
            }
        }
        List<DomainSample> doms = new ArrayList<>();
        for (Map<String, Object> d : FlatJson.array(listJson)) {
            int domid = (int) num(d, "domid");
            doms.add(new DomainSample(domid, str(d, "name"), str(d, "state"), num(d, "memory_mib"),
                    num(d, "maxmem_mib"), (int) num(d, "vcpus"), num(d, "cpu_time_ns"),
                    counters.getOrDefault(domid, Map.of())));
        }
        Map<String, Long> host = new java.util.LinkedHashMap<>();
        info.forEach((k, v) -> {
            if (v instanceof Long n && k.startsWith("xenstore_")) {
                host.put(k, n);
            }
        });
        return new HostSample(nanoTime, (int) num(info, "nr_cpus"), num(info, "total_memory_mib"),
                num(info, "free_memory_mib"), doms, host);
    }

    /**
     * CPU% of each domain between {@code earlier} and this sample (100 = one pCPU), by domid.
     * With counters it uses the CPU time and the clock read together in domusd
     * ({@code cpu_time_ns}, {@code time_ns}), so slow queries do not skew it; else the list's
     * CPU time over this process's sample times.
     */
    public Map<Integer, Double> cpuPercentSince(HostSample earlier) {
        return percentSince(earlier, "cpu_time_ns", DomainSample::cpuTimeNs);
    }

    /**
     * Share of the wall time between {@code earlier} and this sample that each domain's vCPUs
     * spent blocked (RUNSTATE_blocked; 100 = one vCPU), by domid; 0 without counters.
     */
    public Map<Integer, Double> blockedPercentSince(HostSample earlier) {
        return percentSince(earlier, "runstate_blocked_ns", d -> 0L);
    }

    /** 100 x the growth of a nanosecond counter over the time between two samples, by domid. */
    private Map<Integer, Double> percentSince(HostSample earlier, String counter,
                                              java.util.function.ToLongFunction<DomainSample> fallback) {
        Map<Integer, Double> out = new java.util.TreeMap<>();
        for (DomainSample d : domains) {
            double pct = 0;
            for (DomainSample e : earlier.domains) {
                if (e.domid() != d.domid()) {
                    continue;
                }
                boolean exact = d.counters().containsKey("time_ns") && e.counters().containsKey("time_ns");
                long wall = exact ? d.counter("time_ns") - e.counter("time_ns") : nanoTime - earlier.nanoTime;
                long delta = exact ? d.counter(counter) - e.counter(counter)
                        : fallback.applyAsLong(d) - fallback.applyAsLong(e);
                if (wall > 0) {
                    pct = Math.max(0, delta) * 100.0 / wall;
                }
            }
            out.put(d.domid(), pct);
        }
        return out;
    }

    private static long num(Map<String, Object> o, String key) {
        if (!(o.get(key) instanceof Long v)) {
            throw new IllegalArgumentException("toolstack JSON: \"" + key + "\" missing or not an integer in " + o);
        }
        return v;
    }

    private static String str(Map<String, Object> o, String key) {
        if (!(o.get(key) instanceof String v)) {
            throw new IllegalArgumentException("toolstack JSON: \"" + key + "\" missing or not a string in " + o);
        }
        return v;
    }
}
