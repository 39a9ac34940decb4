package dev.domus.dom0.console.command;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code domus info [--json]}: the host, as {@code xl info}. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the host: memory, pCPUs, scheduler, domains, as xl info.")
public final class InfoCommand extends ControlCommand {

    @Option(names = "--json", description = "One JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        return send("info", json ? List.of("--json") : List.of());
    }
}
