package dev.domus.dom0.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.ConsoleRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.domus.dom0.console.DomusCli;
import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.toolstack.Toolstack;

/** {@code domus top --batch} against a real host with a CPU-burning guest. */
class TopCommandTest {

    @TempDir
    Path tmp;

    private static ConsoleRun domus(Path home, String... args) {
        return ConsoleRun.domus(home, args);
    }

    @Test
    void batchPrintsTwoFramesWhoseCpuAddsUpToAtMostThePcpus() throws Exception {
        Path home = tmp.resolve("home");
        int pcpus = 2;
        try (DomusDaemon daemon = DomusDaemon.start(new DaemonSettings(home, 256, pcpus, "credit2", null),
                Toolstack.factory())) {
            Path cfg = tmp.resolve("burn.cfg");
            Files.writeString(cfg, "name = \"burner\"\nkernel = \"dev.domus.examples.burn.Burn\"\nmemory = 16\n");
            assertEquals(0, domus(home, "create", cfg.toString()).rc());

            ConsoleRun r = domus(home, "top", "--batch", "--iterations", "2", "--delay", "0.5", "--sort", "CPU");
            assertEquals(0, r.rc(), r.err());
            assertFalse(r.out().contains("\033["), "batch mode prints no screen control");
            String[] frames = r.out().split("(?m)^domus top - ");
            assertEquals(3, frames.length, r.out()); // text before the first frame is empty
            assertEquals("", frames[0]);
            for (int f = 1; f < frames.length; f++) {
                List<String> lines = frames[f].lines().toList();
                assertEquals(TopView.HEADER, lines.get(2), frames[f]);
                double sum = 0;
                boolean sawBurner = false;
                for (String row : lines.subList(3, lines.size())) {
                    if (row.isBlank()) {
                        continue;
                    }
                    String[] c = row.trim().split("\\s+");
                    assertEquals(14, c.length, row);
                    double pct = Double.parseDouble(c[4]);
                    assertTrue(pct >= 0, row);
                    sum += pct;
                    sawBurner |= c[0].equals("burner");
                }
                assertTrue(sawBurner, frames[f]);
                assertTrue(sum <= pcpus * 100.0, "CPU% adds up to " + sum + " on " + pcpus + " pCPUs:\n" + frames[f]);
            }
            // The burner never blocks: by the second frame it has used CPU, and its SDK start made
            // hypercalls; it has no disk.
            String second = frames[2].lines().filter(l -> l.startsWith("burner")).findFirst().orElseThrow();
            String[] c = second.trim().split("\\s+");
            assertTrue(Double.parseDouble(c[4]) > 0, second);
            assertTrue(Long.parseLong(c[9]) > 0, "HCALLS: " + second);
            assertEquals("0", c[11], "VBD_RD: " + second);
            assertEquals("0", c[12], "VBD_WR: " + second);
        }
    }

    @Test
    void topOnAHostThatIsGoneExitsWithOneLine() throws Exception {
        Path home = tmp.resolve("home");
        new DomusDaemon[] {DomusDaemon.start(new DaemonSettings(home, 64, 1, "credit2", null),
                Toolstack.factory())}[0].close();
        ConsoleRun r = domus(home, "top", "--batch", "--iterations", "1", "--delay", "0.01");
        assertEquals(DomusCli.EXIT_FAILURE, r.rc(), r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("domus top: the host is not answering"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());

        ConsoleRun bad = domus(home, "top", "--batch", "--iterations", "0");
        assertEquals(DomusCli.EXIT_FAILURE, bad.rc());
        assertTrue(bad.err().contains("--iterations 0"), bad.err());
    }
}
