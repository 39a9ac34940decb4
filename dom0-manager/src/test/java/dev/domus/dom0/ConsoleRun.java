package dev.domus.dom0;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.domus.dom0.console.DomusCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * One {@code domus} console command run in-process against a host's home, through the same
 * picocli command line as {@code bin/domus}: its exit code and what it printed. The tests'
 * way to drive a real domusd.
 */
public record ConsoleRun(int rc, String out, String err) {

    /** Runs {@code domus ARGS --home HOME}. */
    public static ConsoleRun domus(Path home, String... args) {
        CommandLine cli = DomusCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] all = Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--home";
        all[args.length + 1] = home.toString();
        int rc = cli.execute(all);
        return new ConsoleRun(rc, out.toString(), err.toString());
    }

    /** Runs the command and asserts it succeeded. */
    public static ConsoleRun ok(Path home, String... args) {
        ConsoleRun r = domus(home, args);
        assertEquals(0, r.rc(), () -> String.join(" ", args) + " failed: " + r.err());
        return r;
    }

    /** Runs the command, asserts it was refused with exit code 1 and no stack trace; returns the message. */
    public static String refused(Path home, String... args) {
        ConsoleRun r = domus(home, args);
        assertEquals(DomusCli.EXIT_FAILURE, r.rc(), () -> String.join(" ", args) + " should fail: " + r.out());
        assertFalse(r.err().contains("Exception"), r.err());
        return r.err();
    }
}
