package dev.domus.dom0.console.command;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus shutdown [-w] DOM}: ask a domain to power off, as {@code xl shutdown}. */
@Command(name = "shutdown", mixinStandardHelpOptions = true,
        description = "Ask a domain to shut down (control/shutdown = poweroff); its on_poweroff action follows.")
public final class ShutdownCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Option(names = {"-w", "--wait"}, description = "Wait until the domain has shut down")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "With -w: give up after this long (default ${DEFAULT-VALUE})")
    int timeout;

    @Override
    public Integer call() throws Exception {
        int rc = send("shutdown", List.of(dom));
        if (rc == 0 && await) {
            // The shutdown is journaled; waiting is a read-only query, so a retry of the
            // shutdown itself never repeats it.
            requestId = null;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(domid (\\d+)\\)").matcher(lastReply);
            if (!m.find()) {
                throw new CommandFailedException("domusd did not say which domain it shut down: " + lastReply.trim());
            }
            rc = send("wait-shutdown", List.of(m.group(1), Integer.toString(timeout)));
        }
        return rc;
    }
}
