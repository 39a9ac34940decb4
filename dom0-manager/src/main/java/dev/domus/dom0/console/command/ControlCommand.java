package dev.domus.dom0.console.command;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.domus.dom0.console.ProgressBar;
import dev.domus.dom0.control.wire.ControlClient;
import dev.domus.dom0.control.wire.DomusHome;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The shared part of every console command that talks to domusd: {@code --home}, an optional
 * {@code --request-id} (reuse one to retry an operation safely: domusd answers a repeated id
 * from its journal and never runs it twice), and sending one request over the control socket.
 * Failures become one line on stderr and exit code 1 (through {@code DomusCli}).
 */
public abstract class ControlCommand implements Callable<Integer> {

    @Option(names = "--home", paramLabel = "DIR",
            description = "The host's directory. Default: $DOMUS_HOME, else ~/.domus")
    Path home;

    @Option(names = "--request-id", paramLabel = "ID", hidden = true,
            description = "Request id for this operation (retrying with the same id never runs it twice)")
    String requestId;

    @Spec
    CommandSpec spec;

    /** The text of the last successful reply (for commands that chain a second request). */
    String lastReply = "";

    /** Sends the request, prints streamed lines and the reply; throws with domusd's message on failure. */
    protected int send(String command, List<String> args) throws Exception {
        return send(command, args, false);
    }

    /**
     * As {@link #send(String, List)}, drawing domusd's progress reports as a bar on stderr when
     * {@code bar} is set and stdout is a terminal (never for scripts: no terminal, or --json).
     */
    protected int send(String command, List<String> args, boolean bar) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String id = requestId != null ? requestId : ControlClient.newRequestId();
        ProgressBar progress = bar && System.console() != null ? new ProgressBar(spec.commandLine().getErr()) : null;
        ControlClient.Reply r;
        try {
            r = new ControlClient(DomusHome.resolve(home)).call(id, command, args, line -> {
                out.println(line);
                out.flush();
            }, report -> {
                if (progress != null) {
                    progress.update(report, System.nanoTime());
                }
            });
        } finally {
            if (progress != null) {
                progress.finish();
            }
        }
        if (!r.ok()) {
            throw new CommandFailedException(r.text());
        }
        lastReply = r.text();
        if (!r.text().isEmpty()) {
            out.print(r.text().endsWith("\n") ? r.text() : r.text() + "\n");
        }
        out.flush();
        return 0;
    }

    /** domusd refused or failed the command; the message is its one line. */
    public static final class CommandFailedException extends Exception {
        public CommandFailedException(String message) {
            super(message);
        }
    }
}
