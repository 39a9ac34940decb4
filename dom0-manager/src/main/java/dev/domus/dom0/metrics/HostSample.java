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
        Map<String, Object> info = FlatJson.object(infoJson);
        List<DomainSample> doms = new ArrayList<>();
        for (Map<String, Object> d : FlatJson.array(listJson)) {
            doms.add(new DomainSample((int) num(d, "domid"), str(d, "name"), str(d, "state"), num(d, "memory_mib"),
                    num(d, "maxmem_mib"), (int) num(d, "vcpus"), num(d, "cpu_time_ns")));
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
