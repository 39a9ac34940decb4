package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus mem-pager}: Set the pager's watermarks, or page out now. */
@Command(name = "mem-pager", mixinStandardHelpOptions = true,
        description = "Show or set the Dom0 pager: below --low free memory it pages guest pages out to their paging files until --high is free.")
public final class MemPagerCommand extends ControlCommand {

    @Option(names = "--low", paramLabel = "SIZE", description = "Free memory under which paging starts, e.g. 8M")
    String low;

    @Option(names = "--high", paramLabel = "SIZE", description = "Free memory paging restores, e.g. 16M")
    String high;

    @Option(names = "--off", description = "Stop paging")
    boolean off;

    @Option(names = "--page-out", paramLabel = "SIZE", description = "Page out this much now (from DOMs, default every guest)")
    String pageOut;

    @Parameters(arity = "0..*", paramLabel = "DOM", description = "Domains for --page-out")
    List<String> doms = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>();
        if (off) {
            args.add("--off");
        }
        if (low != null) {
            args.add("--low");
            args.add(low);
        }
        if (high != null) {
            args.add("--high");
            args.add(high);
        }
        if (pageOut != null) {
            args.add("--page-out");
            args.add(pageOut);
            args.addAll(doms);
        }
        return send("mem-pager", args);
    }
}
