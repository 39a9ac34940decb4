package dev.domus.dom0.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.Test;

import dev.domus.abi.dump.AbiDump;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The console's command line in-process: output, exit codes, usage, and no stack traces. */
class DomusCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(CommandLine cli, String... args) {
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /**
     * Every subcommand: its help prints without a picocli warning (picocli warns on
     * System.err, e.g. about a bare '%' in a description), and a wrong option is a usage
     * error (exit 2) that names the option and shows that command's usage, no stack trace.
     */
    @Test
    void everySubcommandHasCleanHelpAndRefusesAnUnknownOptionWithItsUsage() {
        java.io.PrintStream realErr = System.err;
        java.io.ByteArrayOutputStream stray = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(stray, true));
            CommandLine cli = DomusCli.commandLine(); // one model: picocli resets it on every parse
            for (String name : cli.getSubcommands().keySet()) {
                out.getBuffer().setLength(0);
                err.getBuffer().setLength(0);
                assertEquals(0, run(cli, name, "--help"), name);
                assertTrue(out.toString().startsWith("Usage: domus " + name), name + ": " + out);
                assertEquals("", err.toString(), name);
                assertEquals("", stray.toString(), name + " --help warned");

                out.getBuffer().setLength(0);
                assertEquals(DomusCli.EXIT_USAGE, run(cli, name, "--no-such-option"), name);
                assertTrue(err.toString().contains("Unknown option: '--no-such-option'"), name + ": " + err);
                assertTrue(err.toString().contains("Usage: domus " + name), name + ": " + err);
                assertFalse(err.toString().contains("\tat "), name + ": " + err);
                assertEquals("", out.toString(), name);
            }
        } finally {
            System.setErr(realErr);
        }
    }

    @Test
    void abiJsonPrintsTheDump() {
        assertEquals(0, run(DomusCli.commandLine(), "abi", "--json"));
        assertEquals(AbiDump.current().toJson(), out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void abiWithoutJsonPrintsATable() {
        assertEquals(0, run(DomusCli.commandLine(), "abi"));
        assertTrue(out.toString().startsWith("CONSTANTS ("), out.toString().substring(0, 40));
        assertTrue(out.toString().contains("multicall_entry  size 64"));
    }

    @Test
    void unknownCommandPrintsUsageAndExitsNonZero() {
        assertEquals(DomusCli.EXIT_USAGE, run(DomusCli.commandLine(), "frobnicate"));
        assertTrue(err.toString().startsWith("domus: Unknown command: 'frobnicate'"), err.toString());
        assertTrue(err.toString().contains("Usage: domus"), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void unknownOptionPrintsTheSubcommandsUsage() {
        assertEquals(DomusCli.EXIT_USAGE, run(DomusCli.commandLine(), "abi", "--yaml"));
        assertTrue(err.toString().contains("Unknown option: '--yaml'"), err.toString());
        assertTrue(err.toString().contains("Usage: domus abi"), err.toString());
    }

    @Test
    void noCommandIsAUsageError() {
        assertEquals(DomusCli.EXIT_USAGE, run(DomusCli.commandLine()));
        assertTrue(err.toString().contains("Usage: domus"), err.toString());
    }

    @Test
    void everyRegisteredSubcommandIsListedInHelp() {
        assertEquals(0, run(DomusCli.commandLine(), "--help"));
        for (Class<?> sub : DomusCli.SUBCOMMANDS) {
            String name = sub.getAnnotation(Command.class).name();
            assertTrue(out.toString().contains("  " + name), name + " not in help");
        }
    }

    /** A command that throws: one line naming the command and the cause, never a stack trace. */
    @Test
    void aFailingCommandPrintsOneLineAndExitsOne() {
        CommandLine cli = DomusCli.commandLine();
        cli.addSubcommand(new Failing());
        assertEquals(DomusCli.EXIT_FAILURE, run(cli, "fail"));
        assertEquals("domus fail: disk file /nope does not exist" + System.lineSeparator(), err.toString());
        assertFalse(err.toString().contains("Exception"));
    }

    @Command(name = "fail")
    static final class Failing implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("disk file /nope does not exist");
        }
    }
}
