package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code domus sched-credit2}: show or set a domain's credit2 scheduling parameters, as {@code xl sched-credit2}. */
@Command(name = "sched-credit2", mixinStandardHelpOptions = true,
        description = "Show or set credit2 scheduling parameters (set needs -d DOM).")
public final class SchedCredit2Command extends SchedCommand {

    @Option(names = {"-w", "--weight"}, description = "Weight (1 to 65535)")
    Integer weight;

    @Option(names = {"-c", "--cap"}, description = "Cap in percent of one pCPU, 0 = none")
    Integer cap;

    @Override
    List<String> params() {
        List<String> out = new ArrayList<>();
        add(out, "weight", weight);
        add(out, "cap", cap);
        return out;
    }
}
