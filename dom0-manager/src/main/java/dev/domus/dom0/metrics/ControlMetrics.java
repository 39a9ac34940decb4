package dev.domus.dom0.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import dev.domus.dom0.control.ControlStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The control plane's metrics, from domusd's command service (independent of the host sample,
 * so they show even when the host cannot be sampled):
 *
 * <pre>
 * domus_control_commands_total                      commands answered
 * domus_control_commands_pending                    received, not yet answered (queued or running)
 * domus_control_oldest_pending_command_age_seconds  the control plane's lag; 0 when idle
 * domus_operations_in_progress{op}                  save, restore, migrate running with progress
 * domus_operation_pages_done{op, request_id}        latest progress report of each
 * domus_operation_pages{op, request_id}             pages it has to move (its size)
 * domus_operation_bytes{op, request_id}             bytes written or sent so far
 * domus_operation_round{op, request_id}             migration round (1 for save and restore)
 * </pre>
 */
final class ControlMetrics implements MultiCollector {

    private static final List<String> OPS = List.of("save", "restore", "migrate");

    private final Supplier<ControlStats> control;

    ControlMetrics(Supplier<ControlStats> control) {
        this.control = control;
    }

    @Override
    public MetricSnapshots collect() {
        return snapshots(control.get());
    }

    static MetricSnapshots snapshots(ControlStats c) {
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(CounterSnapshot.builder().name("domus_control_commands")
                .help("Journaled commands domusd answered since it started")
                .dataPoint(CounterDataPointSnapshot.builder().value(c.commands()).build()).build());
        out.add(gauge("domus_control_commands_pending", "Commands received and not yet answered (queued or running)",
                c.pending()));
        out.add(gauge("domus_control_oldest_pending_command_age_seconds",
                "How long the oldest unanswered command has waited (the control plane's lag); 0 when none",
                c.oldestPendingNanos() / 1e9));
        GaugeSnapshot.Builder running = GaugeSnapshot.builder().name("domus_operations_in_progress")
                .help("Saves, restores and migrations running now that have reported progress");
        for (String op : OPS) {
            running.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("op", op))
                    .value(c.operations().stream().filter(o -> o.op().equals(op)).count()).build());
        }
        out.add(running.build());
        GaugeSnapshot.Builder done = GaugeSnapshot.builder().name("domus_operation_pages_done")
                .help("Pages a running save, restore or migration has moved (its latest progress report)");
        GaugeSnapshot.Builder size = GaugeSnapshot.builder().name("domus_operation_pages")
                .help("Pages a running save, restore or migration (round) has to move");
        GaugeSnapshot.Builder bytes = GaugeSnapshot.builder().name("domus_operation_bytes")
                .help("Bytes a running save, restore or migration has written or sent so far");
        GaugeSnapshot.Builder round = GaugeSnapshot.builder().name("domus_operation_round")
                .help("Round of a running migration (1 for save and restore)");
        for (ControlStats.Operation o : c.operations()) {
            Labels l = Labels.of("op", o.op(), "request_id", o.requestId());
            done.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(o.done()).build());
            size.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(o.total()).build());
            bytes.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(o.bytes()).build());
            round.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(o.round()).build());
        }
        out.add(done.build());
        out.add(size.build());
        out.add(bytes.build());
        out.add(round.build());
        return new MetricSnapshots(out);
    }

    private static GaugeSnapshot gauge(String name, String help, double v) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeDataPointSnapshot.builder().value(v).build()).build();
    }
}
