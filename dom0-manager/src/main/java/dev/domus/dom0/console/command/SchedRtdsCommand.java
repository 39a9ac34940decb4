package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code domus sched-rtds}: show or set a domain's RTDS scheduling parameters, as {@code xl sched-rtds}. */
@Command(name = "sched-rtds", mixinStandardHelpOptions = true,
        description = "Show or set RTDS scheduling parameters (set needs -d DOM).")
public final class SchedRtdsCommand extends SchedCommand {

    @Option(names = {"-p", "--period"}, description = "Period in microseconds")
    Integer period;

    @Option(names = {"-b", "--budget"}, description = "Budget in microseconds")
    Integer budget;

    @Override
    List<String> params() {
        List<String> out = new ArrayList<>();
        add(out, "period", period);
        add(out, "budget", budget);
        return out;
    }
}
