package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code domus events [--follow] [--json]}: the host's event queue (its audit log). */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Show the host's event queue: command results and domain events (its audit log).")
public final class EventsCommand extends ControlCommand {

    @Option(names = {"-f", "--follow"}, description = "Keep printing new events as they happen")
    boolean follow;

    @Option(names = "--json", description = "One JSON object per line")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>();
        if (follow) {
            args.add("--follow");
        }
        if (json) {
            args.add("--json");
        }
        return send("events", args);
    }
}
