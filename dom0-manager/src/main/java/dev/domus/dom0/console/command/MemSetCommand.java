package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus mem-set}: Set a domain's memory target (the guest's balloon driver follows it). */
@Command(name = "mem-set", mixinStandardHelpOptions = true, description = "Set a domain's memory target (the guest's balloon driver follows it).")
public final class MemSetCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Parameters(index = "1", paramLabel = "SIZE", description = "New target, e.g. 256M or 1G (a bare number is MiB)")
    String size;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "Report the guest (event balloon-stalled, list flag) if it has not reached the target by then (default 10)")
    Long timeout;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(List.of(dom, size));
        if (timeout != null) {
            args.add("--timeout");
            args.add(Long.toString(timeout));
        }
        return send("mem-set", args);
    }
}
