package dev.domus.dom0.metrics;

import java.util.ArrayList;
import java.util.List;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * Turns one {@link HostSample} per scrape into Prometheus metrics (base units, {@code _total}
 * counters, labels {@code domid} and {@code name} per domain). The host is sampled at scrape
 * time, so there is no background thread and no stale value.
 *
 * <p>Exposed: {@code domus_domain_cpu_seconds_total}, {@code domus_domain_state} (one series
 * per state word, 1 for the current one), {@code domus_domain_memory_bytes},
 * {@code domus_domain_memory_max_bytes}, {@code domus_domain_vcpus}; per host
 * {@code domus_host_memory_total_bytes}, {@code domus_host_memory_free_bytes},
 * {@code domus_host_pcpus}, {@code domus_host_pcpu_busy_seconds_total} ({@link PcpuBusy}),
 * {@code domus_host_domains}, {@code domus_xenstore_requests_total{type}} and
 * {@code domus_xenstore_watch_events_total}, {@code domus_xenstore_watch_events_dropped_total}, and {@code domus_host_up} (0 when a
 * sample failed, with no other series, so an alert can tell "down" from "idle"). The activity
 * counters (runstates, hypercalls, events, grants, block, console) are
 * {@link DomainCounterMetrics}'.
 */
public final class DomusCollector implements MultiCollector {

    private static final long MIB = 1L << 20;

    private final HostSampler sampler;
    private final PcpuBusy busy = new PcpuBusy();

    public DomusCollector(HostSampler sampler) {
        this.sampler = sampler;
    }

    @Override
    public MetricSnapshots collect() {
        HostSample s;
        try {
            s = sampler.sample();
        } catch (Exception e) {
            return MetricSnapshots.of(gauge("domus_host_up", "1 when domusd could sample its host", 0));
        }
        return snapshots(s, busy.update(s));
    }

    /** The metrics for one sample, with the host's pCPU busy nanoseconds so far. */
    static MetricSnapshots snapshots(HostSample s, long busyNs) {
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(gauge("domus_host_up", "1 when domusd could sample its host", 1));
        out.add(gauge("domus_host_pcpus", "Physical CPUs (run tokens) of the host", s.pcpus()));
        out.add(gauge("domus_host_memory_total_bytes", "Machine memory of the host", s.totalMemoryMib() * MIB));
        out.add(gauge("domus_host_memory_free_bytes", "Machine memory no domain holds", s.freeMemoryMib() * MIB));
        out.add(CounterSnapshot.builder().name("domus_host_pcpu_busy_seconds")
                .help("Time the host's pCPUs ran vCPUs (RUNSTATE_running summed over all domains, gone ones included);"
                        + " its rate over domus_host_pcpus is the host's utilisation")
                .dataPoint(CounterDataPointSnapshot.builder().value(busyNs / 1e9).build()).build());
        CounterSnapshot.Builder xs = CounterSnapshot.builder().name("domus_xenstore_requests")
                .help("Requests Dom0's xenstored answered, by xs_wire message type (Xen's names), errors included");
        s.hostCounters().forEach((k, v) -> {
            if (k.startsWith("xenstore_requests:")) {
                xs.dataPoint(CounterDataPointSnapshot.builder()
                        .labels(Labels.of("type", k.substring("xenstore_requests:".length()))).value(v).build());
            }
        });
        out.add(xs.build());
        out.add(CounterSnapshot.builder().name("domus_xenstore_watch_events")
                .help("Watch events Dom0's xenstored sent (watch fires, the initial one of each new watch included)")
                .dataPoint(CounterDataPointSnapshot.builder().value(s.hostCounter("xenstore_watch_events")).build())
                .build());
        out.add(CounterSnapshot.builder().name("domus_xenstore_watch_events_dropped")
                .help("Watch events dropped because the guest had its quota of unread xenstore output")
                .dataPoint(CounterDataPointSnapshot.builder().value(s.hostCounter("xenstore_watch_events_dropped")).build())
                .build());
        out.add(gauge("domus_host_domains", "Domains on the host, Domain-0 included", s.domains().size()));

        CounterSnapshot.Builder cpu = CounterSnapshot.builder().name("domus_domain_cpu_seconds")
                .help("CPU time used by the domain's vCPUs (XEN_DOMCTL_getdomaininfo cpu_time)");
        GaugeSnapshot.Builder state = GaugeSnapshot.builder().name("domus_domain_state")
                .help("1 for the domain's current state, 0 for the others");
        GaugeSnapshot.Builder mem = GaugeSnapshot.builder().name("domus_domain_memory_bytes")
                .help("Memory the domain holds now (tot_pages)");
        GaugeSnapshot.Builder max = GaugeSnapshot.builder().name("domus_domain_memory_max_bytes")
                .help("The domain's maximum reservation (max_pages)");
        GaugeSnapshot.Builder vcpus = GaugeSnapshot.builder().name("domus_domain_vcpus")
                .help("vCPUs online");
        for (DomainSample d : s.domains()) {
            Labels l = Labels.of("domid", Integer.toString(d.domid()), "name", d.name());
            cpu.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(d.cpuTimeNs() / 1e9).build());
            for (String w : DomainSample.STATES) {
                state.dataPoint(GaugeDataPointSnapshot.builder().labels(l.add("state", w))
                        .value(w.equals(d.state()) ? 1 : 0).build());
            }
            mem.dataPoint(point(l, d.memoryMib() * MIB));
            max.dataPoint(point(l, d.maxmemMib() * MIB));
            vcpus.dataPoint(point(l, d.vcpus()));
        }
        out.add(cpu.build());
        out.add(state.build());
        out.add(mem.build());
        out.add(max.build());
        out.add(vcpus.build());
        out.addAll(DomainCounterMetrics.snapshots(s));
        return new MetricSnapshots(out);
    }

    private static GaugeDataPointSnapshot point(Labels l, double v) {
        return GaugeDataPointSnapshot.builder().labels(l).value(v).build();
    }

    private static GaugeSnapshot gauge(String name, String help, double v) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeDataPointSnapshot.builder().value(v).build()).build();
    }
}
