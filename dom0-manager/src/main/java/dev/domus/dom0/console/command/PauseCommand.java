package dev.domus.dom0.console.command;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code domus pause}: Pause a domain (its vCPUs stop at the next safepoint). */
@Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a domain (its vCPUs stop at the next safepoint).")
public final class PauseCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Override
    public Integer call() throws Exception {
        return send("pause", List.of(dom));
    }
}
