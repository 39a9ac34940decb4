package dev.domus.dom0.metrics;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * {@code domusd --metrics HOST:PORT}: the Prometheus client's own HTTP server, serving
 * {@code /metrics} in the text exposition format from a {@link DomusCollector}.
 *
 * <p>{@link #bind} comes first, before the host boots, so a port in use refuses the start with
 * a clear message; {@link #serve} then attaches the running host. Until then a scrape shows
 * {@code domus_host_up 0}.
 */
public final class MetricsServer implements AutoCloseable {

    private final HTTPServer http;
    private volatile HostSampler sampler;
    private volatile java.util.function.Supplier<dev.domus.dom0.control.ControlStats> control;

    private MetricsServer(String hostPort, int port, String hostname) throws MetricsException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new DomusCollector(() -> {
            HostSampler s = sampler;
            if (s == null) {
                throw new IllegalStateException("host not started yet");
            }
            return s.sample();
        }));
        registry.register(new MultiCollector() {
            @Override
            public MetricSnapshots collect() {
                java.util.function.Supplier<dev.domus.dom0.control.ControlStats> c = control;
                return c == null ? MetricSnapshots.of() : ControlMetrics.snapshots(c.get());
            }
        });
        try {
            http = HTTPServer.builder().hostname(hostname).port(port).registry(registry).buildAndStart();
        } catch (BindException e) {
            throw new MetricsException("--metrics " + hostPort + ": cannot listen there (" + e.getMessage()
                    + "): the port is in use or the address is not this host's; pick another, e.g. 127.0.0.1:9101");
        } catch (IOException | RuntimeException e) {
            throw new MetricsException("--metrics " + hostPort + ": cannot start the metrics server: " + e.getMessage());
        }
    }

    /** Validates {@code HOST:PORT} and listens there. */
    public static MetricsServer bind(String hostPort) throws MetricsException {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0 || !hostPort.substring(colon + 1).matches("\\d{1,5}")) {
            throw new MetricsException("--metrics " + hostPort + ": write HOST:PORT, e.g. 127.0.0.1:9101");
        }
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        if (port > 65535) {
            throw new MetricsException("--metrics " + hostPort + ": port " + port + " is above 65535");
        }
        return new MetricsServer(hostPort, port, hostPort.substring(0, colon));
    }

    /** Starts answering scrapes from {@code s}. */
    public void serve(HostSampler s) {
        this.sampler = s;
    }

    /** Adds the control plane's metrics ({@link ControlMetrics}), e.g. from domusd's command service. */
    public void serveControl(java.util.function.Supplier<dev.domus.dom0.control.ControlStats> c) {
        this.control = c;
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return http.getPort();
    }

    /** Where to scrape, e.g. {@code http://127.0.0.1:9101/metrics}. */
    public String url(String host) {
        return "http://" + new InetSocketAddress(host, port()).getHostString() + ":" + port() + "/metrics";
    }

    @Override
    public void close() {
        http.close();
    }

    /** The metrics server could not start; the message says what to change. */
    public static final class MetricsException extends Exception {
        public MetricsException(String message) {
            super(message);
        }
    }
}
