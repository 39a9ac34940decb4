package dev.domus.dom0.console.command;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.domus.dom0.control.wire.ControlClient;
import dev.domus.dom0.control.wire.DomusHome;

/**
 * The console's fast path for the commands operators and scripts run most, {@code list} and
 * {@code info}: when the command line is one of their plain forms ({@code --json},
 * {@code --home DIR}, domain names), it is answered without building picocli's command
 * model, which costs a fresh JVM about as much as the rest of the command. Anything else
 * (help, a typo, another command) returns null and goes through picocli as usual, so the
 * behaviour and messages are the same either way ({@link ListCommand}, {@link InfoCommand}).
 */
public final class FastPath {

    private static final Set<String> COMMANDS = Set.of("list", "info");

    private FastPath() {
    }

    /** Runs the command if it is a plain form; returns its exit code, or null to use picocli. */
    public static Integer tryRun(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || !COMMANDS.contains(args[0])) {
            return null;
        }
        String command = args[0];
        Path home = null;
        boolean json = false;
        List<String> doms = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--json")) {
                json = true;
            } else if (a.equals("--home") && i + 1 < args.length) {
                home = Path.of(args[++i]);
            } else if (a.startsWith("--home=") && a.length() > 7) {
                home = Path.of(a.substring(7));
            } else if (!a.startsWith("-") && command.equals("list")) {
                doms.add(a);
            } else {
                return null;
            }
        }
        List<String> request = new ArrayList<>();
        if (json) {
            request.add("--json");
        }
        request.addAll(doms);
        try {
            ControlClient.Reply r = new ControlClient(DomusHome.resolve(home)).call(command, request);
            if (!r.ok()) {
                err.println("domus " + command + ": " + r.text());
                return 1;
            }
            byte[] text = r.text().getBytes(StandardCharsets.UTF_8);
            out.write(text, 0, text.length);
            if (text.length > 0 && text[text.length - 1] != '\n') {
                out.println();
            }
            out.flush();
            return 0;
        } catch (ControlClient.DomusUnavailableException e) {
            err.println("domus " + command + ": " + e.getMessage());
            return 1;
        }
    }
}
