package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus mem-share}: Share identical guest pages now (copy-on-write), or set the periodic scan. */
@Command(name = "mem-share", mixinStandardHelpOptions = true,
        description = "Share identical pages of running guests (copy-on-write; zero pages first) and report frames saved per domain.")
public final class MemShareCommand extends ControlCommand {

    @Parameters(arity = "0..*", paramLabel = "DOM", description = "Domains to scan (default: every running guest)")
    List<String> doms = new ArrayList<>();

    @Option(names = "--every", paramLabel = "SECONDS", description = "Scan periodically in domusd every SECONDS (0: off)")
    Long every;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(doms);
        if (every != null) {
            args.add("--every");
            args.add(Long.toString(every));
        }
        return send("mem-share", args);
    }
}
