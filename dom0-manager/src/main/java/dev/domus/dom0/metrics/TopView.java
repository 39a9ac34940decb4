package dev.domus.dom0.metrics;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One {@code domus top} frame, in {@code xentop}'s layout: a host summary, then one row per
 * domain with CPU time, CPU% since the previous sample (100% = one pCPU), memory, vCPUs, the
 * share of the interval its vCPUs spent blocked (100% = one vCPU), and its counters since it
 * started: hypercalls, events received, block reads and writes (requests, as xentop's VBD_RD
 * and VBD_WR), console bytes. The numbers are the toolstack's, the same the metrics endpoint
 * serves.
 */
public final class TopView {

    /** Row orders {@code domus top --sort} accepts. */
    public enum Sort { DOMID, NAME, CPU, MEM, HCALLS }

    private static final String HYPERCALLS = "hypercalls:";

    /** The column header line, also the marker tests use to find frames. */
    public static final String HEADER = String.format("%-20s %5s %8s %10s %7s %10s %10s %5s %6s %10s %10s %8s %8s %10s",
            "NAME", "DOMID", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MAXMEM(k)", "VCPUS", "BLK(%)", "HCALLS",
            "EVT_RX", "VBD_RD", "VBD_WR", "CONS(B)");

    private TopView() {
    }

    /** Renders {@code now}, with CPU% measured since {@code before}. */
    public static String frame(HostSample before, HostSample now, Sort sort) {
        Map<Integer, Double> pct = now.cpuPercentSince(before);
        List<DomainSample> rows = new ArrayList<>(now.domains());
        Comparator<DomainSample> order = switch (sort) {
            case DOMID -> Comparator.comparingInt(DomainSample::domid);
            case NAME -> Comparator.comparing(DomainSample::name);
            case CPU -> Comparator.comparingDouble((DomainSample d) -> -pct.get(d.domid()));
            case MEM -> Comparator.comparingLong((DomainSample d) -> -d.memoryMib());
            case HCALLS -> Comparator.comparingLong((DomainSample d) -> -d.counterSum(HYPERCALLS));
        };
        rows.sort(order.thenComparingInt(DomainSample::domid));
        double total = pct.values().stream().mapToDouble(Double::doubleValue).sum();
        StringBuilder b = new StringBuilder();
        b.append(String.format("domus top - %s  %d domains, %d pCPUs, CPU %.1f%% of %d%%%n",
                LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")), rows.size(), now.pcpus(), total,
                now.pcpus() * 100));
        b.append(String.format("Mem: %dk total, %dk used, %dk free%n", now.totalMemoryMib() * 1024,
                (now.totalMemoryMib() - now.freeMemoryMib()) * 1024, now.freeMemoryMib() * 1024));
        b.append(HEADER).append('\n');
        Map<Integer, Double> blocked = now.blockedPercentSince(before);
        for (DomainSample d : rows) {
            b.append(String.format("%-20s %5d %8s %10d %7.1f %10d %10d %5d %6.1f %10d %10d %8d %8d %10d%n", d.name(),
                    d.domid(), d.state(), d.cpuTimeNs() / 1_000_000_000L, pct.get(d.domid()), d.memoryMib() * 1024,
                    d.maxmemMib() * 1024, d.vcpus(), blocked.get(d.domid()), d.counterSum(HYPERCALLS),
                    d.counter("events_received"), d.counter("blk_read_requests"), d.counter("blk_write_requests"),
                    d.counter("console_bytes")));
        }
        return b.toString();
    }
}
