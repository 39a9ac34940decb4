package dev.domus.dom0.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.domus.abi.DomusStats;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/**
 * The per-domain activity counters of a {@link HostSample} as Prometheus families (base units,
 * {@code _total} counters, labels {@code domid} and {@code name}, plus one label per dimension):
 *
 * <pre>
 * domus_domain_vcpu_runstate_seconds_total{state=running|runnable|blocked|offline}
 * domus_domain_hypercalls_total{op, subop}          Xen's names: op="event_channel_op", subop="EVTCHNOP_send"
 * domus_domain_hypercall_errors_total{op, error}    error="XEN_EINVAL"
 * domus_domain_grant_ops_total{op}                  grant entries processed, op="GNTTABOP_copy"
 * domus_domain_events_sent_total, domus_domain_events_received_total
 * domus_domain_block_requests_total{op=read|write|flush}, domus_domain_block_errors_total
 * domus_domain_block_bytes_total{op=read|write}
 * domus_domain_console_bytes_total                  console ring plus CONSOLEIO_write
 * domus_domain_memory_shared_bytes, domus_domain_memory_paged_bytes   (gauges)
 * domus_domain_memory_target_bytes      xenstore memory/target (guests only; gauge)
 * domus_domain_memory_ballooned_bytes   configured memory the balloon gave back (guests only; gauge)
 * domus_domain_vcpu_wake_latency_seconds  histogram: wake-up (blocked or paused to runnable) to
 *                                       given a pCPU, buckets 2^10 .. 2^32 ns
 * </pre>
 * A domain whose counters were not sampled (it appeared between the listing and the counters)
 * has no series here rather than zeros, so no counter ever seems to go back.
 */
final class DomainCounterMetrics {

    private static final long PAGE = 4096;

    private DomainCounterMetrics() {
    }

    /** Toolstack key to a label value, for the fixed families. */
    private static final Map<String, String> RUNSTATES = ordered(
            "runstate_running_ns", "running", "runstate_runnable_ns", "runnable",
            "runstate_blocked_ns", "blocked", "runstate_offline_ns", "offline");
    private static final Map<String, String> BLOCK_REQUESTS = ordered(
            "blk_read_requests", "read", "blk_write_requests", "write", "blk_flush_requests", "flush");
    private static final Map<String, String> BLOCK_BYTES = ordered("blk_read_bytes", "read", "blk_write_bytes", "write");

    static List<MetricSnapshot> snapshots(HostSample s) {
        CounterSnapshot.Builder runstate = counter("domus_domain_vcpu_runstate_seconds",
                "Time the domain's vCPUs spent in each Xen runstate (VCPUOP_get_runstate_info), summed over vCPUs");
        CounterSnapshot.Builder hypercalls = counter("domus_domain_hypercalls",
                "Hypercalls the domain made, by hypercall and sub-op (Xen's names), whatever they returned");
        CounterSnapshot.Builder errors = counter("domus_domain_hypercall_errors",
                "Hypercalls of the domain that returned an error, by hypercall and XEN_E* code");
        CounterSnapshot.Builder grants = counter("domus_domain_grant_ops",
                "Grant table entries the domain's successful grant_table_op calls processed, by sub-op");
        CounterSnapshot.Builder sent = counter("domus_domain_events_sent", "EVTCHNOP_send calls of the domain");
        CounterSnapshot.Builder received = counter("domus_domain_events_received",
                "Events delivered to the domain's ports (interdomain, IPI, VIRQ)");
        CounterSnapshot.Builder blkRequests = counter("domus_domain_block_requests",
                "Block requests blkback served for the domain's disks");
        CounterSnapshot.Builder blkErrors = counter("domus_domain_block_errors",
                "Block requests answered with an error");
        CounterSnapshot.Builder blkBytes = counter("domus_domain_block_bytes", "Bytes blkback moved for the domain");
        CounterSnapshot.Builder console = counter("domus_domain_console_bytes",
                "Bytes the domain wrote to its console (console ring and CONSOLEIO_write)");
        GaugeSnapshot.Builder shared = GaugeSnapshot.builder().name("domus_domain_memory_shared_bytes")
                .help("Memory of the domain in shared (copy-on-write) frames (getdomaininfo shr_pages)");
        GaugeSnapshot.Builder paged = GaugeSnapshot.builder().name("domus_domain_memory_paged_bytes")
                .help("Memory of the domain paged out (getdomaininfo paged_pages)");

        GaugeSnapshot.Builder target = GaugeSnapshot.builder().name("domus_domain_memory_target_bytes")
                .help("The domain's memory target, xenstore memory/target, which its balloon driver follows");
        GaugeSnapshot.Builder ballooned = GaugeSnapshot.builder().name("domus_domain_memory_ballooned_bytes")
                .help("Memory the domain's balloon gave back: its configured memory minus what it holds (tot_pages)");

        HistogramSnapshot.Builder wake = HistogramSnapshot.builder().name("domus_domain_vcpu_wake_latency_seconds")
                .help("Time from a vCPU's wake-up (blocked or paused to runnable) to the scheduler giving it a pCPU");

        for (DomainSample d : s.domains()) {
            if (d.counters().isEmpty()) {
                continue;
            }
            Labels l = Labels.of("domid", Integer.toString(d.domid()), "name", d.name());
            RUNSTATES.forEach((key, state) -> runstate.dataPoint(point(l.add("state", state), d.counter(key) / 1e9)));
            for (Map.Entry<String, Long> e : d.counters().entrySet()) {
                String[] k = e.getKey().split(":", -1);
                if (k[0].equals("hypercalls") && k.length == 3) {
                    hypercalls.dataPoint(point(l.add("op", k[1]).add("subop", k[2]), e.getValue()));
                } else if (k[0].equals("hypercall_errors") && k.length == 3) {
                    errors.dataPoint(point(l.add("op", k[1]).add("error", k[2]), e.getValue()));
                } else if (k[0].equals("grant_ops") && k.length == 2) {
                    grants.dataPoint(point(l.add("op", k[1]), e.getValue()));
                }
            }
            sent.dataPoint(point(l, d.counter("events_sent")));
            received.dataPoint(point(l, d.counter("events_received")));
            BLOCK_REQUESTS.forEach((key, op) -> blkRequests.dataPoint(point(l.add("op", op), d.counter(key))));
            blkErrors.dataPoint(point(l, d.counter("blk_error_requests")));
            BLOCK_BYTES.forEach((key, op) -> blkBytes.dataPoint(point(l.add("op", op), d.counter(key))));
            console.dataPoint(point(l, d.counter("console_bytes")));
            shared.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(d.counter("shared_pages") * PAGE).build());
            paged.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(d.counter("paged_pages") * PAGE).build());
            if (d.counters().containsKey("memory_target_kib")) {
                target.dataPoint(GaugeDataPointSnapshot.builder().labels(l)
                        .value(d.counter("memory_target_kib") * 1024.0).build());
            }
            if (d.counters().containsKey("ballooned_pages")) {
                ballooned.dataPoint(GaugeDataPointSnapshot.builder().labels(l)
                        .value(d.counter("ballooned_pages") * PAGE).build());
            }
            wake.dataPoint(HistogramDataPointSnapshot.builder().labels(l)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(WAKE_BOUNDS, wakeCounts(d)))
                    .sum(d.counter("wake_latency_sum_ns") / 1e9).build());
        }
        List<MetricSnapshot> out = new ArrayList<>();
        for (CounterSnapshot.Builder b : List.of(runstate, hypercalls, errors, grants, sent, received, blkRequests,
                blkErrors, blkBytes, console)) {
            out.add(b.build());
        }
        out.add(shared.build());
        out.add(paged.build());
        out.add(target.build());
        out.add(ballooned.build());
        out.add(wake.build());
        return out;
    }

    /** Upper bounds of the wake-latency buckets in seconds: 2^10 .. 2^32 ns, then +Inf. */
    private static final double[] WAKE_BOUNDS = wakeBounds();

    private static double[] wakeBounds() {
        int min = DomusStats.DOMUS_STATS_WAKE_LATENCY_MIN_LOG2;
        int max = DomusStats.DOMUS_STATS_WAKE_LATENCY_MAX_LOG2;
        double[] b = new double[max - min + 1];
        for (int i = min; i < max; i++) {
            b[i - min] = (1L << i) / 1e9;
        }
        b[max - min] = Double.POSITIVE_INFINITY;
        return b;
    }

    /** The per-bucket (not cumulative) counts, in WAKE_BOUNDS' order, from the toolstack's keys. */
    private static long[] wakeCounts(DomainSample d) {
        int min = DomusStats.DOMUS_STATS_WAKE_LATENCY_MIN_LOG2;
        int max = DomusStats.DOMUS_STATS_WAKE_LATENCY_MAX_LOG2;
        long[] c = new long[max - min + 1];
        for (int i = min; i < max; i++) {
            c[i - min] = d.counter("wake_latency_le_ns:" + (1L << i));
        }
        c[max - min] = d.counter("wake_latency_le_ns:inf");
        return c;
    }

    private static CounterSnapshot.Builder counter(String name, String help) {
        return CounterSnapshot.builder().name(name).help(help);
    }

    private static CounterDataPointSnapshot point(Labels l, double v) {
        return CounterDataPointSnapshot.builder().labels(l).value(v).build();
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
