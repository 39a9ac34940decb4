package dev.domus.dom0.console.command;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code domus mem-max}: Set a domain's maximum memory. */
@Command(name = "mem-max", mixinStandardHelpOptions = true, description = "Set a domain's maximum memory.")
public final class MemMaxCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Parameters(index = "1", paramLabel = "SIZE", description = "New maximum, e.g. 512M (a bare number is MiB)")
    String size;

    @Override
    public Integer call() throws Exception {
        return send("mem-max", List.of(dom, size));
    }
}
