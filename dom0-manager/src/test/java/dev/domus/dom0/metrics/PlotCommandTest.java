package dev.domus.dom0.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.ConsoleRun;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.domus.dom0.console.DomusCli;
import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.toolstack.Toolstack;

/** {@code domus plot} from a real host's recorded samples and event queue. */
@Timeout(120)
class PlotCommandTest {

    @TempDir
    Path tmp;

    private static ConsoleRun domus(Path home, String... args) {
        return ConsoleRun.domus(home, args);
    }

    private static void ok(ConsoleRun r) {
        assertEquals(0, r.rc(), r.err());
    }

    /** Pixels within a small distance of {@code c} (anti-aliasing blends line edges) in rows [y0, y1). */
    private static int pixels(BufferedImage img, Color c, int y0, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                Color p = new Color(img.getRGB(x, y));
                if (Math.abs(p.getRed() - c.getRed()) + Math.abs(p.getGreen() - c.getGreen())
                        + Math.abs(p.getBlue() - c.getBlue()) < 24) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void plotsARunWithItsDomainsSeriesAndEventsAsAPng() throws Exception {
        Path home = tmp.resolve("home");
        try (DomusDaemon daemon = DomusDaemon.start(new DaemonSettings(home, 256, 2, "credit2", null),
                Toolstack.factory())) {
            Path burn = tmp.resolve("burn.cfg");
            Files.writeString(burn, "name = \"burner\"\nkernel = \"dev.domus.examples.burn.Burn\"\nmemory = 16\n");
            ConsoleRun none = domus(home, "plot", "--out", tmp.resolve("early.png").toString());
            assertEquals(DomusCli.EXIT_FAILURE, none.rc());
            assertTrue(none.err().contains("no samples at"), none.err());

            ok(domus(home, "create", burn.toString()));
            try (MetricsRecorder rec = MetricsRecorder.start(home, HostSampler.of(daemon.host()), 0.05)) {
                assertTrue(rec.awaitSamples(4, 60_000), rec.lastError());
                ok(domus(home, "pause", "burner"));
                long n = rec.samples();
                assertTrue(rec.awaitSamples(n + 3, 60_000), rec.lastError());
                ok(domus(home, "unpause", "burner"));
                n = rec.samples();
                assertTrue(rec.awaitSamples(n + 3, 60_000), rec.lastError());
            }
            // What the plot is drawn from: the burner's CPU time grew between samples.
            List<SampleLog.Row> rows = SampleLog.read(SampleLog.file(home));
            List<SampleLog.Row> burner = rows.stream().filter(r -> r.name().equals("burner")).toList();
            assertTrue(burner.size() >= 10, "samples of the burner: " + burner.size());
            assertTrue(burner.get(burner.size() - 1).cpuNs() > burner.get(0).cpuNs(), "the burner used CPU");
            assertTrue(burner.stream().allMatch(r -> r.memoryMib() == 16), "its memory");

            Path png = tmp.resolve("run.png");
            ConsoleRun r = domus(home, "plot", "--out", png.toString(), "--width", "900", "--height", "600");
            ok(r);
            assertTrue(r.out().startsWith("wrote " + png + " (900x600)"), r.out());
            BufferedImage img = ImageIO.read(png.toFile());
            assertEquals(900, img.getWidth());
            assertEquals(600, img.getHeight());
            // Domains get the palette in domid order: Domain-0, then the burner. Each has a line
            // in the CPU chart (top half) and in the memory chart (bottom half).
            assertTrue(pixels(img, HostPlot.PALETTE.get(1), 0, 300) > 40, "burner's CPU line");
            assertTrue(pixels(img, HostPlot.PALETTE.get(1), 300, 600) > 40, "burner's memory line");
            assertTrue(pixels(img, HostPlot.PALETTE.get(0), 300, 600) > 40, "Domain-0's memory line");
            // Events (created, paused, unpaused) are vertical lines in both charts.
            assertTrue(pixels(img, new Color(0x55, 0x55, 0x55), 0, 600) > 100, "event marks");
            assertFalse(Files.exists(tmp.resolve("run.png.tmp")));

            // Bad input changes nothing.
            ConsoleRun bad = domus(home, "plot", "--out", tmp.resolve("x.png").toString(), "--since", "yesterday");
            assertEquals(DomusCli.EXIT_FAILURE, bad.rc());
            assertTrue(bad.err().contains("--since yesterday"), bad.err());
            ConsoleRun future = domus(home, "plot", "--out", tmp.resolve("x.png").toString(), "--since",
                    "2999-01-01T00:00:00Z");
            assertEquals(DomusCli.EXIT_FAILURE, future.rc());
            assertTrue(future.err().contains("fewer than two samples"), future.err());
            ConsoleRun notPng = domus(home, "plot", "--out", tmp.resolve("x.jpg").toString());
            assertEquals(DomusCli.EXIT_FAILURE, notPng.rc());
            assertFalse(Files.exists(tmp.resolve("x.png")));
            assertEquals(1, bad.err().lines().count(), bad.err());
        }
    }
}
