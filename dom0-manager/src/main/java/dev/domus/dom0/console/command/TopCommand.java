package dev.domus.dom0.console.command;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.domus.dom0.control.wire.ControlClient;
import dev.domus.dom0.control.wire.DomusHome;
import dev.domus.dom0.metrics.HostSample;
import dev.domus.dom0.metrics.HostSampler;
import dev.domus.dom0.metrics.InteractiveTop;
import dev.domus.dom0.metrics.TopView;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code domus top}: a live view of the host modelled on {@code xentop}. On a terminal it is
 * interactive ({@link InteractiveTop}, through JLine: redrawn in place every {@code --delay}
 * seconds, keys sort or quit); without one it redraws with ANSI; {@code --batch} prints plain
 * frames one after another for scripts, {@code --iterations N} stops after N frames. A host that goes away ends
 * it with one line and exit code 1.
 */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = "Show domains live (CPU%%, memory, vCPUs, state), as xentop.")
public final class TopCommand implements Callable<Integer> {

    @Option(names = "--home", paramLabel = "DIR",
            description = "The host's directory. Default: $DOMUS_HOME, else ~/.domus")
    Path home;

    @Option(names = {"-b", "--batch"}, description = "Plain frames one after another, no screen control")
    boolean batch;

    @Option(names = {"-i", "--iterations"}, paramLabel = "N", description = "Stop after N frames (default: run until Ctrl-C)")
    Integer iterations;

    @Option(names = {"-d", "--delay"}, paramLabel = "S", defaultValue = "3",
            description = "Seconds between frames, e.g. 1 or 0.5 (default ${DEFAULT-VALUE})")
    double delay;

    @Option(names = "--sort", paramLabel = "KEY", defaultValue = "DOMID",
            description = "Row order: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    TopView.Sort sort;

    @Spec
    CommandSpec spec;

    private static final String CLEAR = "\033[H\033[2J";

    @Override
    public Integer call() throws Exception {
        if (iterations != null && iterations < 1) {
            throw new ControlCommand.CommandFailedException("--iterations " + iterations + ": give at least 1");
        }
        if (!(delay >= 0.01 && delay <= 3600)) {
            throw new ControlCommand.CommandFailedException("--delay " + delay + ": give 0.01 to 3600 seconds");
        }
        PrintWriter out = spec.commandLine().getOut();
        HostSampler sampler = HostSampler.of(new ControlClient(DomusHome.resolve(home)));
        if (!batch && System.console() != null) {
            HostSample first = sample(sampler); // a host that is not there fails before the screen changes
            try (Terminal t = TerminalBuilder.builder().system(true).build()) {
                boolean[] used = {false};
                InteractiveTop.run(t, () -> used[0] ? sample(sampler) : use(used, first), sort, delay, iterations);
            }
            return 0;
        }
        HostSample before = sample(sampler);
        for (int n = 0; iterations == null || n < iterations; n++) {
            Thread.sleep((long) (delay * 1000));
            HostSample now = sample(sampler);
            out.print((batch ? "" : CLEAR) + TopView.frame(before, now, sort) + (batch ? "\n" : ""));
            out.flush();
            before = now;
        }
        return 0;
    }

    private static HostSample use(boolean[] used, HostSample s) {
        used[0] = true;
        return s;
    }

    private static HostSample sample(HostSampler sampler) throws Exception {
        try {
            return sampler.sample();
        } catch (ControlClient.DomusUnavailableException | IllegalStateException e) {
            throw new ControlCommand.CommandFailedException("the host is not answering: " + e.getMessage());
        }
    }
}
