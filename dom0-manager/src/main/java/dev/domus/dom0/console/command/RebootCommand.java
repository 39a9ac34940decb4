package dev.domus.dom0.console.command;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code domus reboot}: Ask a domain to reboot (control/shutdown = reboot). */
@Command(name = "reboot", mixinStandardHelpOptions = true, description = "Ask a domain to reboot (control/shutdown = reboot).")
public final class RebootCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Override
    public Integer call() throws Exception {
        return send("reboot", List.of(dom));
    }
}
