package dev.domus.dom0.console.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.ConsoleRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import dev.domus.dom0.console.DomusCli;
import dev.domus.dom0.daemon.CountingHost;
import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The console's commands through DomusCli, against a real daemon on a real socket. */
class ControlCommandTest {

    @TempDir
    Path tmp;

    static ConsoleRun domus(String... args) {
        CommandLine cli = DomusCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute(args);
        return new ConsoleRun(rc, out.toString(), err.toString());
    }

    @Test
    void eventsAndRefusalsThroughTheConsole() throws Exception {
        Path home = tmp.resolve("h");
        try (DomusDaemon d = DomusDaemon.start(new DaemonSettings(home, 64, 1, "credit2", null),
                CountingHost.factory())) {
            ConsoleRun ev = domus("events", "--json", "--home", home.toString());
            assertEquals(0, ev.rc(), ev.err());
            assertTrue(ev.out().startsWith("{\"index\":"), ev.out());
            assertTrue(ev.out().contains("host-started"));

            // pause is not a command of the counting host: domusd refuses it in one line
            ConsoleRun bad = domus("pause", "web", "--home", home.toString());
            assertEquals(DomusCli.EXIT_FAILURE, bad.rc());
            assertEquals("domus pause: unknown command 'pause' (see 'domus --help')\n", bad.err());
            assertEquals(List.of(), CountingHost.effects(home));
        }
        ConsoleRun gone = domus("list", "--home", home.toString());
        assertEquals(DomusCli.EXIT_FAILURE, gone.rc());
        assertTrue(gone.err().startsWith("domus list: no domusd is running for home " + home), gone.err());
        assertFalse(gone.err().contains("Exception"));
        assertEquals(1, gone.err().lines().count(), "one line, no trace");
    }

    @Test
    void usageErrorsExitTwo() {
        ConsoleRun r = domus("vcpu-set", "web");
        assertEquals(DomusCli.EXIT_USAGE, r.rc());
        assertTrue(r.err().contains("Missing required parameter: 'N'"), r.err());
    }
}
