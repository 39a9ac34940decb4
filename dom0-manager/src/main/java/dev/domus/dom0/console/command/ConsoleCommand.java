package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus console DOM}: a domain's console output, as {@code xl console}. */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = "Show a domain's console output and follow it (Ctrl-C to detach).")
public final class ConsoleCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Option(names = {"-n", "--no-follow"}, description = "Print what the console holds now and exit")
    boolean noFollow;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(List.of(dom));
        if (!noFollow) {
            args.add("--follow");
        }
        return send("console", args);
    }
}
