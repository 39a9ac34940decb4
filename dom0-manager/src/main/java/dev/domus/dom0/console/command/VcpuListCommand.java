package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus vcpu-list [--json] [DOM...]}: each vCPU's state, pCPU and CPU time, as {@code xl vcpu-list}. */
@Command(name = "vcpu-list", mixinStandardHelpOptions = true,
        description = "List vCPUs (Name, ID, VCPU, CPU, State r/b/p, Time), as xl vcpu-list. State p: offline (vcpu-set).")
public final class VcpuListCommand extends ControlCommand {

    @Option(names = "--json", description = "One JSON array: domid, name, vcpu, online, running, blocked, cpu, cpu_time_ns")
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
        return send("vcpu-list", args);
    }
}
