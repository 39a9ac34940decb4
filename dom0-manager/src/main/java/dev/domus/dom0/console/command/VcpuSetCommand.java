package dev.domus.dom0.console.command;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code domus vcpu-set}: Set how many of a domain's vCPUs are online. */
@Command(name = "vcpu-set", mixinStandardHelpOptions = true, description = "Set how many of a domain's vCPUs are online.")
public final class VcpuSetCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Parameters(index = "1", paramLabel = "N", description = "vCPUs online (1 to the count the domain was created with)")
    int count;

    @Override
    public Integer call() throws Exception {
        return send("vcpu-set", List.of(dom, Integer.toString(count)));
    }
}
