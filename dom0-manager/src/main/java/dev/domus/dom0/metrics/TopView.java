package dev.domus.dom0.metrics;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One {@code domus top} frame, in {@code xentop}'s layout: a host summary, then one row per
 * domain with CPU time, CPU% since the previous sample (100% = one pCPU), memory and vCPUs.
 * The numbers are the toolstack's, the same the metrics endpoint serves.
 */
public final class TopView {

    /** Row orders {@code domus top --sort} accepts. */
    public enum Sort { DOMID, NAME, CPU, MEM }

    /** The column header line, also the marker tests use to find frames. */
    public static final String HEADER = String.format("%-20s %5s %8s %10s %7s %10s %10s %5s",
            "NAME", "DOMID", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MAXMEM(k)", "VCPUS");

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
        for (DomainSample d : rows) {
            b.append(String.format("%-20s %5d %8s %10d %7.1f %10d %10d %5d%n", d.name(), d.domid(), d.state(),
                    d.cpuTimeNs() / 1_000_000_000L, pct.get(d.domid()), d.memoryMib() * 1024, d.maxmemMib() * 1024,
                    d.vcpus()));
        }
        return b.toString();
    }
}
