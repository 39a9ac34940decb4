package dev.domus.dom0.console.command;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code domus vcpu-pin}: Pin a domain's vCPU to a set of pCPUs. */
@Command(name = "vcpu-pin", mixinStandardHelpOptions = true, description = "Pin a domain's vCPU to a set of pCPUs.")
public final class VcpuPinCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Parameters(index = "1", paramLabel = "VCPU", description = "vCPU number, or all")
    String vcpu;

    @Parameters(index = "2", paramLabel = "CPUS", description = "pCPUs: all, or a list like 0-1,3")
    String cpus;

    @Override
    public Integer call() throws Exception {
        return send("vcpu-pin", List.of(dom, vcpu, cpus));
    }
}
