package dev.domus.dom0.console.command;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code domus unpause}: Unpause a paused domain. */
@Command(name = "unpause", mixinStandardHelpOptions = true, description = "Unpause a paused domain.")
public final class UnpauseCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Override
    public Integer call() throws Exception {
        return send("unpause", List.of(dom));
    }
}
