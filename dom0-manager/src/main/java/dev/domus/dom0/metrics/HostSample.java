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
 */
public record HostSample(long nanoTime, int pcpus, long totalMemoryMib, long freeMemoryMib,
                         List<DomainSample> domains) {

    public HostSample {
        domains = List.copyOf(domains);
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
        return new HostSample(nanoTime, (int) num(info, "nr_cpus"), num(info, "total_memory_mib"),
                num(info, "free_memory_mib"), doms);
    }

    /** CPU% of each domain between {@code earlier} and this sample (100 = one pCPU), by domid. */
    public Map<Integer, Double> cpuPercentSince(HostSample earlier) {
        Map<Integer, Double> out = new java.util.TreeMap<>();
        long wall = nanoTime - earlier.nanoTime;
        for (DomainSample d : domains) {
            double pct = 0;
            for (DomainSample e : earlier.domains) {
                if (e.domid() == d.domid() && wall > 0) {
                    pct = Math.max(0, d.cpuTimeNs() - e.cpuTimeNs()) * 100.0 / wall;
                }
            }
            out.put(d.domid(), pct);
        }
        return out;
    }

    /**
     * Share of the wall time between {@code earlier} and this sample that each domain's vCPUs
     * spent blocked (RUNSTATE_blocked; 100 = one vCPU), by domid; 0 without counters.
     */
    public Map<Integer, Double> blockedPercentSince(HostSample earlier) {
        Map<Integer, Double> out = new java.util.TreeMap<>();
        long wall = nanoTime - earlier.nanoTime;
        for (DomainSample d : domains) {
            double pct = 0;
            for (DomainSample e : earlier.domains) {
                if (e.domid() == d.domid() && wall > 0) {
                    long delta = d.counter("runstate_blocked_ns") - e.counter("runstate_blocked_ns");
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
