package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus list [--json] [DOM...]}: the domains on the host, as {@code xl list}. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List domains (Name, ID, Mem, VCPUs, State, Time), as xl list.")
public final class ListCommand extends ControlCommand {

    @Option(names = "--json", description = "One JSON array: domid, name, state, memory_mib, maxmem_mib, vcpus, cpu_time_ns")
    boolean json;

    @Parameters(arity = "0..*", paramLabel = "DOM", description = "Only these domains (names or domids)")
    List<String> doms = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>();
        if (json) {
            args.add("--json");
        }
        args.addAll(doms);
        return send("list", args);
    }
}
