package dev.domus.dom0.toolstack;

import java.util.List;

import dev.domus.abi.DomusStats;

/**
 * What the hypervisor counts for one domain ({@link DomusStats#XEN_DOMCTL_domus_getstats}) plus
 * getdomaininfo's sharing and paging counts.
 *
 * @param domid          the domain
 * @param timeNs         Dom0's {@link System#nanoTime()} when {@code cpuTimeNs} was read
 * @param cpuTimeNs      getdomaininfo's cpu_time at that moment, so a CPU share over two samples
 *                       does not depend on how long the query around it took
 * @param runstateNs     nanoseconds in RUNSTATE_running, runnable, blocked, offline, summed over vCPUs
 * @param eventsReceived events delivered to its ports
 * @param sharedPages    pages it shares (getdomaininfo shr_pages)
 * @param pagedPages     pages paged out (getdomaininfo paged_pages)
 * @param entries        its hypercall counters, as the hypervisor lists them
 * @param truncated      true when the hypervisor had more entries than Dom0's buffer held
 */
public record DomainCounters(int domid, long timeNs, long cpuTimeNs, long[] runstateNs, long eventsReceived, long sharedPages, long pagedPages,
                             List<Entry> entries, boolean truncated) {

    /** One {@code struct domus_stats_entry}. */
    public record Entry(int op, int subop, int xenErrno, int kind, long count) {
    }

    public DomainCounters {
        runstateNs = runstateNs.clone();
        entries = List.copyOf(entries);
    }

    /** Calls of {@code op}/{@code subop} (any result). */
    public long calls(int op, int subop) {
        return entries.stream().filter(e -> e.kind == DomusStats.DOMUS_STATS_calls && e.op == op && e.subop == subop)
                .mapToLong(Entry::count).sum();
    }

    /** Work items of {@code op}/{@code subop} (grant entries, console bytes). */
    public long items(int op, int subop) {
        return entries.stream().filter(e -> e.kind == DomusStats.DOMUS_STATS_items && e.op == op && e.subop == subop)
                .mapToLong(Entry::count).sum();
    }
}
