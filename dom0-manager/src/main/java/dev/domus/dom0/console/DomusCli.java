package dev.domus.dom0.console;

import java.io.PrintWriter;
import java.util.List;

import dev.domus.dom0.console.command.ConsoleCommand;
import dev.domus.dom0.console.command.CreateCommand;
import dev.domus.dom0.console.command.DestroyCommand;
import dev.domus.dom0.console.command.MigrateCommand;
import dev.domus.dom0.console.command.RestoreCommand;
import dev.domus.dom0.console.command.SaveCommand;
import dev.domus.dom0.console.command.EventsCommand;
import dev.domus.dom0.console.command.InfoCommand;
import dev.domus.dom0.console.command.ListCommand;
import dev.domus.dom0.console.command.MemMaxCommand;
import dev.domus.dom0.console.command.MemPagerCommand;
import dev.domus.dom0.console.command.MemShareCommand;
import dev.domus.dom0.console.command.MemSetCommand;
import dev.domus.dom0.console.command.PauseCommand;
import dev.domus.dom0.console.command.RebootCommand;
import dev.domus.dom0.console.command.SchedCredit2Command;
import dev.domus.dom0.console.command.SchedCreditCommand;
import dev.domus.dom0.console.command.SchedRtdsCommand;
import dev.domus.dom0.console.command.ShutdownCommand;
import dev.domus.dom0.console.command.PlotCommand;
import dev.domus.dom0.console.command.TemplateCommand;
import dev.domus.dom0.console.command.TopCommand;
import dev.domus.dom0.console.command.UnpauseCommand;
import dev.domus.dom0.console.command.VcpuListCommand;
import dev.domus.dom0.console.command.VcpuPinCommand;
import dev.domus.dom0.console.command.VcpuSetCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code domus}, the admin console: what {@code xl} is to Xen. Run through {@code bin/domus}.
 *
 * <p>Each subcommand is its own class, listed once in {@link #SUBCOMMANDS}; to add one, write
 * a picocli {@code @Command} class implementing {@code Callable<Integer>} in this package (or
 * a sub-package) and append it there.
 *
 * <p>Exit codes: 0 on success, 1 when a command fails (one line on stderr, never a stack
 * trace), 2 on a usage error (unknown command or option: the message and the usage).
 */
@Command(name = "domus", mixinStandardHelpOptions = true, versionProvider = DomusCli.Version.class,
        description = "Administer a Domus host (a Xen-style hypervisor in Java).",
        synopsisSubcommandLabel = "COMMAND")
public final class DomusCli implements Runnable {

    /** Exit code of a command that ran and failed. */
    public static final int EXIT_FAILURE = 1;

    /** Exit code of a command line that could not be parsed. */
    public static final int EXIT_USAGE = 2;

    /** Every subcommand, in the order {@code domus --help} lists them. */
    public static final List<Class<?>> SUBCOMMANDS = List.of(
            CreateCommand.class, ListCommand.class, InfoCommand.class, ConsoleCommand.class,
            PauseCommand.class, UnpauseCommand.class, ShutdownCommand.class, RebootCommand.class,
            DestroyCommand.class, MemSetCommand.class, MemMaxCommand.class, MemShareCommand.class, MemPagerCommand.class, VcpuSetCommand.class,
            VcpuListCommand.class, VcpuPinCommand.class, SchedCredit2Command.class, SchedCreditCommand.class,
            SchedRtdsCommand.class, EventsCommand.class, SaveCommand.class, RestoreCommand.class, MigrateCommand.class, TopCommand.class,
            PlotCommand.class, TemplateCommand.class,
            AbiCommand.class);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** {@code domus} alone: the usage, as a usage error (scripts must name a command). */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command.");
    }

    /** The configured command line, for tests and for embedding. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new DomusCli());
        for (Class<?> sub : SUBCOMMANDS) {
            cli.addSubcommand(sub);
        }
        cli.setExecutionExceptionHandler(DomusCli::oneLineError);
        cli.setParameterExceptionHandler(DomusCli::usageError);
        return cli;
    }

    public static void main(String[] args) {
        int exit;
        try {
            Integer fast = dev.domus.dom0.console.command.FastPath.tryRun(args, System.out, System.err);
            exit = fast != null ? fast : commandLine().execute(args);
        } catch (Throwable t) {
            // An Error picocli does not route to the handler (a linkage error, out of memory).
            System.err.println("domus: internal error: " + t);
            exit = EXIT_FAILURE;
        }
        System.exit(exit);
    }

    /** A command failed: one line, no stack trace. */
    private static int oneLineError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        cmd.getErr().println("domus " + cmd.getCommandName() + ": " + message);
        cmd.getErr().flush();
        return EXIT_FAILURE;
    }

    /** Unknown command or option: what was wrong, then the usage of the command concerned. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = e.getMessage();
        if (e instanceof CommandLine.UnmatchedArgumentException u && !cmd.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            message = "Unknown command: '" + u.getUnmatched().get(0) + "'";
        } else if (e instanceof CommandLine.MissingParameterException) {
            // picocli reports a missing parameter before an unknown option; name the typo first
            for (String a : args) {
                if (a.startsWith("--") && a.length() > 2 && !cmd.getCommandSpec().optionsMap()
                        .containsKey(a.split("=", 2)[0])) {
                    message = "Unknown option: '" + a + "'; " + message;
                    break;
                }
            }
        }
        err.println("domus: " + message);
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        cmd.usage(err);
        err.flush();
        return EXIT_USAGE;
    }

    /** {@code domus --version}: the Xen ABI and the Domus extension version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {String.format("domus (Xen %d.%d ABI, Domus ABI %d)",
                    dev.domus.abi.Xen.XEN_VERSION_MAJOR, dev.domus.abi.Xen.XEN_VERSION_MINOR,
                    dev.domus.abi.Xen.DOMUS_ABI_VERSION)};
        }
    }
}
