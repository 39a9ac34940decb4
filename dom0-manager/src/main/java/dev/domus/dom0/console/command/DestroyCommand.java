package dev.domus.dom0.console.command;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code domus destroy}: Destroy a domain at once (no guest shutdown; its memory is freed). */
@Command(name = "destroy", mixinStandardHelpOptions = true, description = "Destroy a domain at once (no guest shutdown; its memory is freed).")
public final class DestroyCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Override
    public Integer call() throws Exception {
        return send("destroy", List.of(dom));
    }
}
