package dev.domus.sched.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The scenario format, the command line and the launcher script. */
class SimulatorCliTest {

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
    }

    private static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = SimulatorMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void sampleScenarioPrintsATableWithEveryGroup() {
        Run r = cli("scenarios/mixed.txt");
        assertEquals(0, r.status(), r.err());
        for (String g : new String[] {"db", "web", "batch", "shell", "pinned", "leaver", "idle"}) {
            assertTrue(r.out().contains(g), "table lacks " + g + ":\n" + r.out());
        }
    }

    @Test
    void jsonHasSharesThatAddUpWithIdleTime() {
        Run r = cli("scenarios/rtds.txt", "--json");
        assertEquals(0, r.status(), r.err());
        String json = r.out().strip();
        assertTrue(json.startsWith("{\"policy\":\"rtds\"") && json.endsWith("]}"), json);
        assertTrue(json.contains("\"deadline_misses\":0,"), json);
        assertTrue(json.contains("\"name\":\"video#1\""), json);
    }

    @ParameterizedTest
    @ValueSource(strings = {"credit2", "credit", "rtds", "null"})
    void runsAreDeterministicForASeed(String policy) throws Exception {
        Path f = dir.resolve("io.txt");
        Files.writeString(f, "policy " + policy + "\npcpus 2\nseed 9\nduration 2s\n"
            + "unit io io burst=300us sleep=3ms count=3 period=10ms budget=2ms\n"
            + "unit hog cpu count=2 period=10ms budget=2ms\n");
        String a = cli(f.toString(), "--json").out();
        String b = cli(f.toString(), "--json").out();
        assertEquals(a, b);
        Files.writeString(f, Files.readString(f).replace("seed 9", "seed 10"));
        assertFalse(a.equals(cli(f.toString(), "--json").out()), "another seed gives other sleep times");
    }

    @Test
    void badInputIsRefusedWithTheLineAndTheFix() throws Exception {
        String[][] cases = {
            {"unit a cpu wieght=5", "line 1", "unknown key 'wieght'"},
            {"policy sedf\nunit a cpu", "line 1", "credit2"},
            {"unit a cpu weight=0", "unit a", "weight 0"},
            {"unit a cpu weight=70000", "unit a", "weight 70000"},
            {"unit a cpu cap=-5", "unit a", "cap -5"},
            {"unit a rt period=1ms budget=2ms", "unit a", "budget"},
            {"pcpus 2\nunit a cpu hard=0-2", "unit a", "pCPU 2"},
            {"unit a io burst=1ms", "line 1", "sleep"},
            {"unit a cpu start=5", "line 1", "not a time"},
            {"duration 10s", "no units", "unit"},
            {"unit a cpu\nunit a io burst=1ms sleep=1ms", "line 2", "twice"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve("bad.txt");
            Files.writeString(f, c[0] + "\n");
            Run r = cli(f.toString());
            assertEquals(2, r.status(), c[0]);
            assertTrue(r.err().contains(c[1]) && r.err().contains(c[2]),
                "for '" + c[0] + "' the error should mention " + c[1] + " and " + c[2] + ": " + r.err());
            assertEquals("", r.out());
        }
        assertThrows(IllegalArgumentException.class, () -> ScenarioParser.parse("bogus 1\nunit a cpu"));
    }

    @Test
    void usageErrorsExitWithStatusTwo() {
        assertEquals(2, cli().status());
        assertEquals(2, cli("no/such/file.txt").status());
        assertEquals(2, cli("scenarios/mixed.txt", "--yaml").status());
        assertEquals(0, cli("--help").status());
    }

    @Test
    void launcherRunsFromAnyDirectory() throws Exception {
        Path launcher = Path.of("../bin/domus-schedsim").toAbsolutePath().normalize();
        Path scenario = Path.of("scenarios/rtds.txt").toAbsolutePath();
        Process p = new ProcessBuilder("bash", launcher.toString(), scenario.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("out.txt").toFile())
            .start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher did not finish");
        } finally {
            p.destroyForcibly();
        }
        String out = Files.readString(dir.resolve("out.txt"));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("policy rtds") && out.contains("0 deadline misses"), out);
        assertTrue(new File(launcher.toString()).canExecute(), "launcher must be executable");
    }

    @Test
    void launcherSaysHowToBuildWhenTheClassesAreMissing() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("checkout/bin"));
        Path copy = bin.resolve("domus-schedsim");
        Files.copy(Path.of("../bin/domus-schedsim"), copy);
        Process p = new ProcessBuilder("bash", copy.toString(), "x.txt")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("out.txt").toFile())
            .start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher did not finish");
        } finally {
            p.destroyForcibly();
        }
        String out = Files.readString(dir.resolve("out.txt"));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("not built") && out.contains("mvn"), out);
    }
}
