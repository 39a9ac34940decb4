package dev.domus.sched.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Command line: {@code SimulatorMain SCENARIO [--json]}. Prints a table (or JSON) of what
 * each unit got; exit status 2 for a usage or scenario error, with a message on stderr.
 */
public final class SimulatorMain {

    private SimulatorMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Path file = null;
        boolean json = false;
        for (String a : args) {
            if (a.equals("--json")) {
                json = true;
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println(usage());
                return 0;
            } else if (a.startsWith("-")) {
                err.println("domus-schedsim: unknown option " + a + "\n" + usage());
                return 2;
            } else if (file == null) {
                file = Path.of(a);
            } else {
                err.println("domus-schedsim: one scenario file only\n" + usage());
                return 2;
            }
        }
        if (file == null) {
            err.println("domus-schedsim: no scenario file given\n" + usage());
            return 2;
        }
        if (!Files.isRegularFile(file)) {
            err.println("domus-schedsim: scenario file " + file + " does not exist");
            return 2;
        }
        try {
            Scenario s = ScenarioParser.parse(file);
            SimResult r = new Simulator(s).run();
            out.print(json ? Report.json(r) + "\n" : Report.table(r));
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("domus-schedsim: " + file + ": " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("domus-schedsim: cannot read " + file + ": " + e.getMessage());
            return 2;
        }
    }

    private static String usage() {
        return "usage: domus-schedsim SCENARIO [--json]\n"
            + "  runs a scheduler scenario in virtual time (format: see scheduler/scenarios/README.md)";
    }
}
