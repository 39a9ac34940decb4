package dev.domus.dom0.toolstack;

import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;

import dev.domus.abi.DomusStats;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.VcpuOp;
import dev.domus.dom0.blk.BlkStats;
import dev.domus.dom0.control.Json;

/**
 * The toolstack's {@code stats --json} reply: per domain, one flat JSON object of counters, what
 * the hypervisor counts (runstate times, events, hypercalls by op, sub-op and error, grant
 * entries) and what Dom0's back ends count (block requests and bytes, console bytes). Keys
 * with a {@code :} carry labels: {@code hypercalls:OP:SUBOP}, {@code hypercall_errors:OP:XEN_E*},
 * {@code grant_ops:GNTTABOP_*}, with Xen's names; the scheduler's wake-to-run histogram is
 * {@code wake_latency_le_ns:BOUND} (wake-ups that ran within BOUND ns and above the bucket
 * before, not cumulative; {@code inf} for the slowest) and {@code wake_latency_sum_ns}. Every value is a counter (it only grows);
 * {@code time_ns} is Dom0's monotonic clock when {@code cpu_time_ns} was read, for exact rates.
 */
final class StatsJson {

    /**
     * A domain to report: its name and domid, and its memory as the toolstack knows it.
     *
     * @param targetKib       xenstore {@code memory/target} (what its balloon driver follows), -1 if none
     * @param ballooned       pages its balloon gave back: its configured memory minus what it holds
     *                        (tot_pages), as {@code info}'s ballooned_memory counts them; -1 for Dom0
     */
    record Row(String name, int domid, long targetKib, long ballooned) {

        Row(String name, int domid) {
            this(name, domid, -1, -1);
        }
    }

    private StatsJson() {
    }

    static String render(List<Row> rows, IntFunction<DomainCounters> counters, IntFunction<BlkStats> blk,
                         IntToLongFunction consoleRingBytes) {
        StringBuilder sb = new StringBuilder("[");
        boolean first = true;
        for (Row r : rows) {
            DomainCounters c = counters.apply(r.domid());
            if (c == null) {
                continue; // gone since the listing
            }
            sb.append(first ? "{" : ",{");
            first = false;
            sb.append("\"domid\":").append(r.domid()).append(",\"name\":").append(Json.quote(r.name()));
            num(sb, "time_ns", c.timeNs());
            num(sb, "cpu_time_ns", c.cpuTimeNs());
            long[] rs = c.runstateNs();
            num(sb, "runstate_running_ns", rs[VcpuOp.RUNSTATE_running]);
            num(sb, "runstate_runnable_ns", rs[VcpuOp.RUNSTATE_runnable]);
            num(sb, "runstate_blocked_ns", rs[VcpuOp.RUNSTATE_blocked]);
            num(sb, "runstate_offline_ns", rs[VcpuOp.RUNSTATE_offline]);
            num(sb, "events_sent", c.calls(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send));
            num(sb, "events_received", c.eventsReceived());
            num(sb, "shared_pages", c.sharedPages());
            num(sb, "paged_pages", c.pagedPages());
            if (r.targetKib() >= 0) {
                num(sb, "memory_target_kib", r.targetKib());
            }
            if (r.ballooned() >= 0) {
                num(sb, "ballooned_pages", r.ballooned());
            }
            long consoleIo = c.items(Hypercalls.__HYPERVISOR_console_io, dev.domus.abi.ConsoleIo.CONSOLEIO_write);
            num(sb, "console_bytes", consoleIo + consoleRingBytes.applyAsLong(r.domid()));
            BlkStats b = blk.apply(r.domid());
            num(sb, "blk_read_requests", b.readRequests());
            num(sb, "blk_write_requests", b.writeRequests());
            num(sb, "blk_flush_requests", b.flushRequests());
            num(sb, "blk_error_requests", b.errorRequests());
            num(sb, "blk_read_bytes", b.readBytes());
            num(sb, "blk_write_bytes", b.writeBytes());
            num(sb, "stats_truncated", c.truncated() ? 1 : 0);
            for (DomainCounters.Entry e : c.entries()) {
                String op = AbiNames.op(e.op());
                switch (e.kind()) {
                    case DomusStats.DOMUS_STATS_calls -> num(sb, "hypercalls:" + op + ":" + AbiNames.subop(e.op(), e.subop()),
                            e.count());
                    case DomusStats.DOMUS_STATS_errors -> num(sb, "hypercall_errors:" + op + ":"
                            + AbiNames.errno(e.xenErrno()), e.count());
                    case DomusStats.DOMUS_STATS_items -> {
                        if (e.op() == Hypercalls.__HYPERVISOR_grant_table_op) {
                            num(sb, "grant_ops:" + AbiNames.subop(e.op(), e.subop()), e.count());
                        }
                    }
                    case DomusStats.DOMUS_STATS_wake_latency -> num(sb, "wake_latency_le_ns:"
                            + (e.op() >= DomusStats.DOMUS_STATS_WAKE_LATENCY_MAX_LOG2 ? "inf" : Long.toString(1L << e.op())), e.count());
                    case DomusStats.DOMUS_STATS_wake_latency_sum -> num(sb, "wake_latency_sum_ns", e.count());
                    default -> {
                        // a kind this Dom0 does not know: left out
                    }
                }
            }
            sb.append('}');
        }
        return sb.append("]\n").toString();
    }

    private static void num(StringBuilder sb, String key, long v) {
        sb.append(',').append(Json.quote(key)).append(':').append(v);
    }
}
