package dev.domus.dom0.daemon;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.domus.dom0.config.Sizes;
import dev.domus.dom0.control.wire.DomusHome;
import dev.domus.dom0.metrics.HostSampler;
import dev.domus.dom0.metrics.MetricsRecorder;
import dev.domus.dom0.metrics.MetricsServer;
import dev.domus.dom0.toolstack.Toolstack;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/domusd}: starts a host in the foreground (hypervisor, then Dom0 and its
 * services) and serves the control socket until SIGTERM or Ctrl-C, which stop it cleanly.
 */
@Command(name = "domusd", mixinStandardHelpOptions = true, version = "domusd 0.1.0",
        description = "Start a Domus host in the foreground: the hypervisor, then Dom0 and its services.")
public final class Domusd implements Callable<Integer> {

    @Option(names = "--home", paramLabel = "DIR",
            description = "The host's directory (queues, sockets, logs). Default: $DOMUS_HOME, else ~/.domus")
    Path home;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "1G",
            description = "Machine memory for the host, e.g. 1G, 512M (default ${DEFAULT-VALUE})")
    String memory;

    @Option(names = "--pcpus", paramLabel = "N", description = "Physical CPUs (run tokens). Default: the core count")
    Integer pcpus;

    @Option(names = "--sched", paramLabel = "NAME", defaultValue = "credit2",
            description = "Scheduler: credit2, credit, rtds or null (default ${DEFAULT-VALUE})")
    String sched;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Accept incoming migrations here")
    String listen;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics")
    String metrics;

    @Option(names = "--sample-interval", paramLabel = "S", defaultValue = "1",
            description = "Record a metrics sample every S seconds under DIR/metrics for 'domus plot' (0 = off; default ${DEFAULT-VALUE})")
    double sampleInterval;

    /** Set by tests and by the launcher: which host to start. */
    static DomusDaemon.HostFactory factory = null;

    @Override
    public Integer call() throws Exception {
        DaemonSettings settings = settings();
        DomusDaemon.HostFactory f = factory != null ? factory : Toolstack.factory();
        // Bound before the host boots: a metrics port in use refuses the start, changing nothing.
        MetricsServer metricsServer = null;
        if (metrics != null) {
            try {
                metricsServer = MetricsServer.bind(metrics);
            } catch (MetricsServer.MetricsException e) {
                throw new DaemonException(e.getMessage());
            }
        }
        DomusDaemon daemon;
        try {
            daemon = DomusDaemon.start(settings, f);
        } catch (DaemonException | RuntimeException e) {
            if (metricsServer != null) {
                metricsServer.close();
            }
            throw e;
        }
        if (metricsServer != null) {
            metricsServer.serve(HostSampler.of(daemon.host()));
            metricsServer.serveControl(daemon.commandService()::stats);
        }
        MetricsRecorder recorder = sampleInterval == 0 ? null
                : MetricsRecorder.start(settings.home(), HostSampler.of(daemon.host()), sampleInterval);
        MetricsServer ms = metricsServer;
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (recorder != null) {
                recorder.close();
            }
            if (ms != null) {
                ms.close();
            }
            daemon.close();
            stopped.countDown();
        }, "domusd-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.out.println("domusd: host up: home " + settings.home() + ", " + settings.memoryMib() + " MiB, "
                + settings.pcpus() + " pCPUs, scheduler " + settings.sched() + "; control socket "
                + daemon.controlSocket()
                + (daemon.host() instanceof Toolstack t && t.migrationAddress() != null
                        ? "; migrations on " + t.migrationAddress() : "")
                + (ms == null ? "" : "; metrics " + ms.url(metrics.substring(0,
                metrics.lastIndexOf(':')))));
        System.out.flush();
        stopped.await();
        return 0;
    }

    DaemonSettings settings() throws DaemonException {
        long mib;
        try {
            mib = Sizes.parseMib(memory);
        } catch (IllegalArgumentException e) {
            throw new DaemonException("--memory: " + e.getMessage());
        }
        if (mib < 16) {
            throw new DaemonException("--memory " + memory + " is too small: give the host at least 16M");
        }
        int n = pcpus == null ? Runtime.getRuntime().availableProcessors() : pcpus;
        if (n < 1 || n > 1024) {
            throw new DaemonException("--pcpus " + n + ": use 1 to 1024");
        }
        if (sampleInterval != 0 && !(sampleInterval >= 0.01 && sampleInterval <= 3600)) {
            throw new DaemonException("--sample-interval " + sampleInterval + ": give 0.01 to 3600 seconds, or 0 for none");
        }
        if (!java.util.Set.of("credit2", "credit", "rtds", "null").contains(sched)) {
            throw new DaemonException("--sched " + sched + ": use credit2, credit, rtds or null");
        }
        if (listen != null && !listen.matches("[^:]+:\\d{1,5}")) {
            throw new DaemonException("--listen " + listen + ": write HOST:PORT, e.g. 127.0.0.1:7700");
        }
        return new DaemonSettings(DomusHome.resolve(home), mib, n, sched, listen);
    }


    /** domusd's command line: a failure to start is one line on stderr and exit code 2. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Domusd());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            String msg = ex instanceof DaemonException ? ex.getMessage() : ex.toString();
            line.getErr().println("domusd: " + msg);
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) {
        int rc = commandLine().execute(args);
        if (rc != 0) {
            System.exit(rc);
        }
    }
}
