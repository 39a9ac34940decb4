package dev.domus.dom0.console;

import dev.domus.dom0.console.command.FastPath;

/**
 * {@code bin/domus}'s entry point. It answers the fast-path commands ({@code list},
 * {@code info}) before any picocli class is loaded: picocli is compiled for Java 5, so
 * class-data sharing cannot archive it and the JVM parses and verifies it afresh on every
 * run (about 40 ms here). Merely loading {@link DomusCli} would pull it in (its methods
 * throw picocli's exceptions), so this class names DomusCli only on the slow path.
 */
public final class ConsoleMain {

    private ConsoleMain() {
    }

    public static void main(String[] args) {
        Integer fast;
        try {
            fast = FastPath.tryRun(args, System.out, System.err);
        } catch (Throwable t) {
            System.err.println("domus: internal error: " + t);
            fast = DomusCli.EXIT_FAILURE;
        }
        if (fast != null) {
            System.exit(fast);
        }
        DomusCli.main(args);
    }
}
