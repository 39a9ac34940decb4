package dev.domus.dom0.console.command;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code domus mem-set}: Set a domain's memory target (the guest's balloon driver follows it). */
@Command(name = "mem-set", mixinStandardHelpOptions = true, description = "Set a domain's memory target (the guest's balloon driver follows it).")
public final class MemSetCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Parameters(index = "1", paramLabel = "SIZE", description = "New target, e.g. 256M or 1G (a bare number is MiB)")
    String size;

    @Override
    public Integer call() throws Exception {
        return send("mem-set", List.of(dom, size));
    }
}
