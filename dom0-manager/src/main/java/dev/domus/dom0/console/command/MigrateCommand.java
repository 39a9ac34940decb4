package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus migrate DOM HOST:PORT}: live-migrate a domain to another host (issue 9). */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Live-migrate a domain to the domusd listening at HOST:PORT (its --listen): pre-copy rounds "
                + "while the guest runs, then a short stop-and-copy; the domain is destroyed here only once the target "
                + "confirms it runs there. On any failure before that it keeps running here.")
public final class MigrateCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Parameters(index = "1", paramLabel = "HOST:PORT", description = "The target domusd's --listen address")
    String target;

    @Option(names = "--max-rounds", paramLabel = "N", description = "At most N pre-copy rounds (default 5)")
    Integer maxRounds;

    @Option(names = "--timeout", paramLabel = "MS", description = "Time the guest gets to suspend (default 10000 ms)")
    Long timeoutMs;

    @Option(names = "--json", description = "Print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(List.of(dom, target));
        if (maxRounds != null) {
            args.add("--max-rounds=" + maxRounds);
        }
        if (timeoutMs != null) {
            args.add("--timeout=" + timeoutMs);
        }
        if (json) {
            args.add("--json");
        }
        return send("migrate", args, !json);
    }
}
