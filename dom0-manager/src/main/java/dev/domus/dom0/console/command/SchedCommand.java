package dev.domus.dom0.console.command;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Option;

/**
 * The shared shape of {@code sched-credit2}, {@code sched-credit} and {@code sched-rtds}:
 * with {@code -d DOM} and parameters, set them; otherwise show them. domusd validates the
 * values against the host (one body for the three, in the toolstack's {@code sched}).
 */
abstract class SchedCommand extends ControlCommand {

    @Option(names = {"-d", "--domain"}, paramLabel = "DOM", description = "Domain name or domid (default: all)")
    String dom;

    /** The parameters given, as {@code key=value}. */
    abstract List<String> params();

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>();
        args.add(dom == null ? "" : dom);
        args.addAll(params());
        return send(spec.name(), args);
    }

    static void add(List<String> out, String key, Integer value) {
        if (value != null) {
            out.add(key + "=" + value);
        }
    }

    /** credit and credit2 take the same two parameters, as in xl. */
    abstract static class WeightAndCap extends SchedCommand {

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
}
