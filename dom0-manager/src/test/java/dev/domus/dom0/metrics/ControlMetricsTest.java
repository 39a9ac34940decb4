package dev.domus.dom0.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.domus.dom0.control.Command;
import dev.domus.dom0.control.CommandService;
import dev.domus.dom0.control.ControlJournal;
import dev.domus.dom0.control.Progress;
import dev.domus.dom0.metrics.MetricsEndpointTest.Sample;

/**
 * The control plane's metrics from a real command service (a real Chronicle journal), served
 * over real HTTP and parsed strictly: a long command reporting progress while a second command
 * waits behind it shows as in progress and as lag; once both are answered, nothing is pending.
 */
@Timeout(60)
class ControlMetricsTest {

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    private List<Sample> scrape(MetricsServer m) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m.url("127.0.0.1")))
                .timeout(java.time.Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return MetricsEndpointTest.parse(r.body());
    }

    private static double value(List<Sample> s, String name, Map<String, String> labels) {
        return s.stream().filter(x -> x.name().equals(name) && x.labels().equals(labels)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + labels)).value();
    }

    @Test
    void aRunningSaveAndACommandQueuedBehindItShowAsProgressAndLag() throws Exception {
        CountDownLatch reported = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> console = new CopyOnWriteArrayList<>();
        try (ControlJournal journal = new ControlJournal(tmp.resolve("queues"));
             MetricsServer metrics = MetricsServer.bind("127.0.0.1:0")) {
            CommandService service = new CommandService(journal, c -> {
                if (c.name().equals("save")) {
                    Progress.report("save", 1, true, 5, 10, 5 * 4096, true);
                    reported.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new dev.domus.dom0.control.CommandException("interrupted");
                    }
                }
                return c.name() + " done";
            });
            service.recover();
            metrics.serveControl(service::stats);

            Thread save = new Thread(() -> Progress.with(console::add,
                    () -> service.submit(new Command("req-save", "save", List.of("d", "f")))));
            save.start();
            assertTrue(reported.await(30, TimeUnit.SECONDS));
            Thread pause = new Thread(() -> service.submit(new Command("req-pause", "pause", List.of("d"))));
            pause.start();
            // The second command arrives and waits its turn (the guard is the class timeout).
            while (service.stats().pending() < 2) {
                LockSupport.parkNanos(1_000_000);
            }

            List<Sample> s = scrape(metrics);
            Map<String, String> op = Map.of("op", "save", "request_id", "req-save");
            assertEquals(2, value(s, "domus_control_commands_pending", Map.of()));
            assertTrue(value(s, "domus_control_oldest_pending_command_age_seconds", Map.of()) > 0);
            assertEquals(0, value(s, "domus_control_commands_total", Map.of()));
            assertEquals(1, value(s, "domus_operations_in_progress", Map.of("op", "save")));
            assertEquals(0, value(s, "domus_operations_in_progress", Map.of("op", "migrate")));
            assertEquals(5, value(s, "domus_operation_pages_done", op));
            assertEquals(10, value(s, "domus_operation_pages", op));
            assertEquals(5 * 4096, value(s, "domus_operation_bytes", op));
            assertEquals(1, value(s, "domus_operation_round", op));
            // The console that asked still gets the report (the metrics only look on).
            assertEquals(List.of("op=save round=1 last=1 done=5 total=10 bytes=20480"), console);

            release.countDown();
            save.join();
            pause.join();
            List<Sample> after = scrape(metrics);
            assertEquals(0, value(after, "domus_control_commands_pending", Map.of()));
            assertEquals(0, value(after, "domus_control_oldest_pending_command_age_seconds", Map.of()));
            assertEquals(2, value(after, "domus_control_commands_total", Map.of()));
            assertEquals(0, value(after, "domus_operations_in_progress", Map.of("op", "save")));
            assertTrue(after.stream().noneMatch(x -> x.name().startsWith("domus_operation_")),
                    "no operation series once it finished");
        }
    }
}
