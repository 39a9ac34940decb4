package dev.domus.dom0.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.DomusStats;
import dev.domus.dom0.ConsoleRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.daemon.Domusd;
import dev.domus.dom0.toolstack.Toolstack;
import picocli.CommandLine;

/**
 * A real host (hypervisor, Dom0, a CPU-burning guest) with its metrics served over real HTTP on
 * loopback by the Prometheus client, scraped and parsed strictly, checked against
 * {@code domus list --json}.
 */
@org.junit.jupiter.api.Timeout(120)
class MetricsEndpointTest {

    @TempDir
    Path tmp;

    private Path home;
    private DomusDaemon daemon;
    private MetricsServer metrics;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void startHost() throws Exception {
        home = tmp.resolve("home");
        // The order domusd uses: bind the metrics port, boot the host, attach it.
        metrics = MetricsServer.bind("127.0.0.1:0");
        daemon = DomusDaemon.start(new DaemonSettings(home, 256, 1, "credit2", null), Toolstack.factory());
        metrics.serve(HostSampler.of(daemon.host()));
        metrics.serveControl(daemon.commandService()::stats);
    }

    @AfterEach
    void stopHost() {
        metrics.close();
        daemon.close();
    }

    private String domus(String... args) {
        return ConsoleRun.ok(home, args).out();
    }

    /** One sample line: metric name, labels (sorted as given), value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"(,|$)");

    /**
     * A strict parser of the text exposition format 0.0.4: every line is a HELP, a TYPE or a
     * sample; every sample belongs to a family declared by TYPE before it; no series twice.
     */
    static List<Sample> parse(String text) {
        Map<String, String> types = new HashMap<>();
        Set<String> series = new HashSet<>();
        List<Sample> out = new java.util.ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                String[] p = line.split(" ", 4);
                assertTrue(NAME.matcher(p[2]).matches(), line);
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                assertEquals(4, p.length, line);
                assertTrue(Set.of("counter", "gauge", "histogram", "summary", "untyped").contains(p[3]), line);
                assertEquals(null, types.put(p[2], p[3]), "family declared twice: " + line);
                continue;
            }
            assertFalse(line.isEmpty() || line.startsWith("#"), "unexpected line: '" + line + "'");
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line);
            String name = m.group(1);
            String family = types.containsKey(name) ? name
                    : name.endsWith("_total") ? name.substring(0, name.length() - "_total".length())
                    : histogramFamily(types, name);
            assertNotNull(types.get(family), "sample without a TYPE: " + line);
            if (name.endsWith("_total")) {
                assertEquals("counter", types.get(family), line);
            }
            Map<String, String> labels = new java.util.LinkedHashMap<>();
            if (m.group(3) != null && !m.group(3).isEmpty()) {
                Matcher l = LABEL.matcher(m.group(3));
                int at = 0;
                while (at < m.group(3).length()) {
                    assertTrue(l.find(at) && l.start() == at, "bad labels: " + line);
                    assertEquals(null, labels.put(l.group(1), l.group(2)), "label twice: " + line);
                    at = l.end();
                }
            }
            assertTrue(series.add(name + labels), "series twice: " + line);
            out.add(new Sample(name, labels, Double.parseDouble(m.group(4))));
        }
        return out;
    }

    /** The histogram a {@code _bucket}, {@code _count} or {@code _sum} sample belongs to, else the name. */
    private static String histogramFamily(Map<String, String> types, String name) {
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
            String f = name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : null;
            if (f != null && "histogram".equals(types.get(f))) {
                return f;
            }
        }
        return name;
    }

    private List<Sample> scrape() throws Exception {
        // The request timeout only guards against a hung connection (never seen to fire in a pass).
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(metrics.url("127.0.0.1")))
                .timeout(java.time.Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
        return parse(r.body());
    }

    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + labels)).value();
    }

    private static Map<String, String> dom(DomainSample d) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("domid", Integer.toString(d.domid()));
        m.put("name", d.name());
        return m;
    }

    @Test
    void scrapeMatchesTheToolstackListingAndCpuTimeMovesWhileAGuestBurns() throws Exception {
        Path cfg = tmp.resolve("burn.cfg");
        Files.writeString(cfg, "name = \"burner\"\nkernel = \"dev.domus.examples.burn.Burn\"\nmemory = 16\n"
                + "maxmem = 32\n");
        domus("create", cfg.toString());

        List<Sample> first = scrape();
        HostSample listed = HostSample.parse(0, domus("info", "--json"), domus("list", "--json"));
        assertEquals(1, value(first, "domus_host_up", Map.of()));
        assertEquals(listed.pcpus(), value(first, "domus_host_pcpus", Map.of()));
        assertEquals(listed.totalMemoryMib() << 20, (long) value(first, "domus_host_memory_total_bytes", Map.of()));
        assertEquals(listed.domains().size(), value(first, "domus_host_domains", Map.of()));
        DomainSample burner = listed.domains().stream().filter(d -> d.name().equals("burner")).findFirst()
                .orElseThrow();
        Map<String, String> l = dom(burner);
        assertEquals(16L << 20, (long) value(first, "domus_domain_memory_bytes", l));
        assertEquals(burner.memoryMib() << 20, (long) value(first, "domus_domain_memory_bytes", l));
        assertEquals(32L << 20, (long) value(first, "domus_domain_memory_max_bytes", l));
        assertEquals(burner.vcpus(), value(first, "domus_domain_vcpus", l));
        double stateSum = 0;
        for (String w : DomainSample.STATES) {
            Map<String, String> ls = new java.util.LinkedHashMap<>(l);
            ls.put("state", w);
            stateSum += value(first, "domus_domain_state", ls);
        }
        assertEquals(1, stateSum, "exactly one state is current");
        // The create was journaled and answered: the control plane has no lag.
        assertTrue(value(first, "domus_control_commands_total", Map.of()) >= 1);
        assertEquals(0, value(first, "domus_control_commands_pending", Map.of()));
        assertEquals(0, value(first, "domus_control_oldest_pending_command_age_seconds", Map.of()));
        assertEquals(0, value(first, "domus_operations_in_progress", Map.of("op", "save")));
        // Its target is its configured memory (xenstore memory/target); nothing is ballooned.
        assertEquals(16L << 20, (long) value(first, "domus_domain_memory_target_bytes", l));
        assertEquals(0, value(first, "domus_domain_memory_ballooned_bytes", l));
        assertEquals(listed.pcpus(), value(first, "domus_host_pcpus", Map.of()));

        // The burner never blocks: its CPU counter must move between scrapes.
        double cpu0 = value(first, "domus_domain_cpu_seconds_total", l);
        double cpu = cpu0;
        for (int i = 0; i < 100_000 && cpu <= cpu0; i++) {
            cpu = value(scrape(), "domus_domain_cpu_seconds_total", l);
        }
        assertTrue(cpu > cpu0, "cpu seconds stayed at " + cpu0);
        HostSample later = HostSample.parse(0, domus("info", "--json"), domus("list", "--json"));
        long laterNs = later.domains().stream().filter(d -> d.name().equals("burner")).findFirst().orElseThrow()
                .cpuTimeNs();
        assertTrue(laterNs / 1e9 >= cpu, "the listing is at least as late as the scrape before it");

        // pCPU busy time: all domains' running time, moving while the burner burns, and kept
        // (not dropped) when the burner is destroyed.
        List<Sample> s = scrape();
        double busy = value(s, "domus_host_pcpu_busy_seconds_total", Map.of());
        assertTrue(busy >= sum(s, "domus_domain_vcpu_runstate_seconds_total", Map.of("state", "running")) - 1e-9,
                "busy covers every domain's running time");
        double busyLater = busy;
        for (int i = 0; i < 100_000 && busyLater <= busy; i++) {
            busyLater = value(scrape(), "domus_host_pcpu_busy_seconds_total", Map.of());
        }
        assertTrue(busyLater > busy, "pCPU busy seconds stayed at " + busy);
        domus("destroy", "burner");
        List<Sample> after = scrape();
        assertTrue(after.stream().noneMatch(x -> x.labels().equals(l) && x.name().startsWith("domus_domain_cpu")));
        assertTrue(value(after, "domus_host_pcpu_busy_seconds_total", Map.of()) >= busyLater,
                "a destroyed domain's running time stays counted");
    }

    @Test
    void targetAndBalloonedMemoryFollowAMemSet() throws Exception {
        Path cfg = tmp.resolve("bal.cfg");
        Files.writeString(cfg, "name = \"bal\"\nkernel = \"dev.domus.examples.memcheck.MemCheck\"\nmemory = 16\n"
                + "maxmem = 16\nextra = \"seed=3 pages=200 dirty_rate=10 tick_ms=50 balloon=1\"\n");
        domus("create", cfg.toString());
        HostSample listed = HostSample.parse(0, domus("info", "--json"), domus("list", "--json"));
        Map<String, String> l = dom(listed.domains().stream().filter(d -> d.name().equals("bal")).findFirst()
                .orElseThrow());
        List<Sample> s = scrape();
        assertEquals(16L << 20, (long) value(s, "domus_domain_memory_target_bytes", l));
        assertTrue(s.stream().noneMatch(x -> x.name().equals("domus_domain_memory_target_bytes")
                && x.labels().get("domid").equals("0")), "Domain-0 has no balloon target");

        domus("mem-set", "bal", "8M");
        // Wait for Dom0's balloon monitor to see the target reached, then for the guest's
        // balloon to stop moving (two scrapes alike); the class timeout is the only guard.
        while (!domus("list", "--json", "bal").contains("\"balloon\":\"reached\"")) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
        double ballooned = -1;
        double again = value(scrape(), "domus_domain_memory_ballooned_bytes", l);
        while (again != ballooned) {
            ballooned = again;
            s = scrape();
            again = value(s, "domus_domain_memory_ballooned_bytes", l);
        }
        assertEquals(8L << 20, (long) value(s, "domus_domain_memory_target_bytes", l));
        // The monitor's slack: within 16 pages of the 8 MiB given back.
        assertTrue(Math.abs(ballooned - (8L << 20)) <= 16 * 4096, "ballooned " + ballooned);
        double held = value(s, "domus_domain_memory_bytes", l); // whole MiB, rounded down
        double rest = (16L << 20) - ballooned - held;
        assertTrue(rest >= 0 && rest < (1 << 20), "ballooned " + ballooned + " + held " + held + " = 16 MiB");
        // The same count as info's host total (this is the only guest).
        java.util.regex.Matcher m = Pattern.compile("\"ballooned_kib\":(\\d+)").matcher(domus("info", "--json"));
        assertTrue(m.find());
        assertEquals((long) ballooned, Long.parseLong(m.group(1)) * 1024);
    }

    private static double sum(List<Sample> samples, String name, Map<String, String> domain) {
        return samples.stream().filter(x -> x.name().equals(name)
                && x.labels().entrySet().containsAll(domain.entrySet())).mapToDouble(Sample::value).sum();
    }

    private static Map<String, String> with(Map<String, String> l, String k, String v) {
        Map<String, String> m = new java.util.LinkedHashMap<>(l);
        m.put(k, v);
        return m;
    }

    @Test
    void domainCountersMoveWhenAGuestWorks() throws Exception {
        Path cfg = tmp.resolve("tick.cfg");
        Files.writeString(cfg, "name = \"ticker\"\nkernel = \"dev.domus.dom0.metrics.TickGuest\"\nmemory = 16\n");
        domus("create", cfg.toString());
        HostSample listed = HostSample.parse(0, domus("info", "--json"), domus("list", "--json"));
        Map<String, String> l = dom(listed.domains().stream().filter(d -> d.name().equals("ticker")).findFirst()
                .orElseThrow());

        // The guest's known work (TickGuest): its lines, its IPIs, then it blocks. Scrape until
        // the counters show all of it (the class timeout is the only guard).
        Map<String, String> send = with(with(l, "op", "event_channel_op"), "subop", "EVTCHNOP_send");
        List<Sample> s = scrape();
        while (sum(s, "domus_domain_console_bytes_total", l) < TickGuest.LINES * TickGuest.LINE_BYTES
                || sum(s, "domus_domain_events_sent_total", l) < TickGuest.IPIS
                || sum(s, "domus_domain_hypercalls_total", send) < TickGuest.IPIS
                || sum(s, "domus_domain_events_received_total", l) < TickGuest.IPIS
                || value(s, "domus_domain_vcpu_runstate_seconds_total", with(l, "state", "blocked")) <= 0) {
            s = scrape();
        }
        assertEquals(value(s, "domus_domain_hypercalls_total", send), value(s, "domus_domain_events_sent_total", l),
                "events sent are its EVTCHNOP_send calls");
        assertEquals(1, value(s, "domus_domain_hypercalls_total",
                with(with(l, "op", "event_channel_op"), "subop", "EVTCHNOP_bind_ipi")));
        assertTrue(value(s, "domus_domain_vcpu_runstate_seconds_total", with(l, "state", "running")) > 0);
        for (String state : List.of("running", "runnable", "blocked", "offline")) {
            assertTrue(value(s, "domus_domain_vcpu_runstate_seconds_total", with(l, "state", state)) >= 0);
        }
        // Sub-ops and errors carry Xen's names.
        for (Sample x : s) {
            if (x.name().equals("domus_domain_hypercalls_total") && x.labels().get("op").equals("event_channel_op")) {
                assertTrue(x.labels().get("subop").startsWith("EVTCHNOP_"), x.toString());
            }
            if (x.name().equals("domus_domain_hypercall_errors_total")) {
                assertTrue(x.labels().get("error").startsWith("XEN_E"), x.toString());
            }
        }
        // Its start was a wake-up (runnable to running): the wake-latency histogram counted it,
        // its buckets are cumulative, and +Inf holds them all.
        String wake = "domus_domain_vcpu_wake_latency_seconds";
        double count = value(s, wake + "_count", l);
        assertTrue(count >= 1, "wake-ups " + count);
        assertTrue(value(s, wake + "_sum", l) >= 0);
        double previous = 0;
        int buckets = 0;
        for (Sample x : s) {
            if (x.name().equals(wake + "_bucket") && x.labels().get("domid").equals(l.get("domid"))) {
                assertTrue(x.value() >= previous, "not cumulative at le=" + x.labels().get("le"));
                previous = x.value();
                buckets++;
            }
        }
        assertEquals(count, value(s, wake + "_bucket", with(l, "le", "+Inf")));
        assertEquals(DomusStats.DOMUS_STATS_WAKE_LATENCY_MAX_LOG2 - DomusStats.DOMUS_STATS_WAKE_LATENCY_MIN_LOG2 + 1, buckets);
        // Block counters exist for every domain, zero without a disk.
        assertEquals(0, value(s, "domus_domain_block_requests_total", with(l, "op", "read")));
        assertEquals(0, value(s, "domus_domain_block_bytes_total", with(l, "op", "write")));
        // Counters never go back between scrapes.
        List<Sample> last = scrape();
        for (String m : List.of("domus_domain_console_bytes_total", "domus_domain_events_received_total",
                "domus_domain_hypercalls_total", "domus_domain_events_sent_total")) {
            assertTrue(sum(last, m, l) >= sum(s, m, l), m);
        }
    }

    @Test
    void xenstoreRequestsAndWatchEventsAreCountedByType() throws Exception {
        List<Sample> before = scrape();
        Map<String, String> read = Map.of("type", "XS_READ");
        Map<String, String> write = Map.of("type", "XS_WRITE");
        double reads0 = before.stream().anyMatch(x -> x.labels().equals(read))
                ? value(before, "domus_xenstore_requests_total", read) : 0;
        double writes0 = value(before, "domus_xenstore_requests_total", write); // the toolstack wrote at boot
        double fired0 = value(before, "domus_xenstore_watch_events_total", Map.of());
        // A real client on xenstored's Unix socket: 5 reads, a watch (its initial event) and 3
        // writes under it, each write firing it once; every reply is in before the scrape.
        try (dev.domus.dom0.xenstore.XsClient xs = dev.domus.dom0.xenstore.XsClient.connect(
                home.resolve("xenstored.sock"))) {
            xs.write("/local/domain/0/obs", "x");
            for (int i = 0; i < 5; i++) {
                assertEquals("x", xs.read("/local/domain/0/obs"));
            }
            xs.watch("/local/domain/0/obs", "tok");
            for (int i = 0; i < 3; i++) {
                xs.write("/local/domain/0/obs", "v" + i);
            }
            for (int i = 0; i < 4; i++) {
                assertEquals("tok", xs.nextWatchEvent(30, java.util.concurrent.TimeUnit.SECONDS).token());
            }
        }
        List<Sample> after = scrape();
        assertTrue(value(after, "domus_xenstore_requests_total", read) >= reads0 + 5);
        assertTrue(value(after, "domus_xenstore_requests_total", write) >= writes0 + 4);
        assertTrue(value(after, "domus_xenstore_requests_total", Map.of("type", "XS_WATCH")) >= 1);
        assertTrue(value(after, "domus_xenstore_watch_events_total", Map.of()) >= fired0 + 4);
        for (Sample x : after) {
            if (x.name().equals("domus_xenstore_requests_total")) {
                assertTrue(x.labels().get("type").startsWith("XS_") || x.labels().get("type").equals("unknown"),
                        x.toString());
            }
        }
    }

    @Test
    void aMetricsPortInUseIsRefusedBeforeTheHostStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String where = "127.0.0.1:" + taken.getLocalPort();
            MetricsServer.MetricsException e = assertThrows(MetricsServer.MetricsException.class,
                    () -> MetricsServer.bind(where));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());

            Path other = tmp.resolve("other");
            CommandLine cl = Domusd.commandLine();
            StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err));
            int rc = cl.execute("--home", other.toString(), "--memory", "64M", "--pcpus", "1", "--metrics", where);
            assertEquals(2, rc);
            assertEquals(1, err.toString().lines().count(), err.toString());
            assertTrue(err.toString().startsWith("domusd: --metrics " + where), err.toString());
            assertFalse(Files.exists(other), "nothing created for a refused start");
        }
        assertThrows(MetricsServer.MetricsException.class, () -> MetricsServer.bind("nohostport"));
        assertThrows(MetricsServer.MetricsException.class, () -> MetricsServer.bind("127.0.0.1:70000"));
    }
}
