package dev.domus.dom0.control.wire;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The console's side of the control socket: one request, its streamed lines, one final
 * answer. Deliberately tiny (no Chronicle, no hypervisor classes) so {@code domus list}
 * starts fast.
 */
public final class ControlClient {

    /** The final answer to a request. */
    public record Reply(boolean ok, String text) {
    }

    private final Path socket;

    public ControlClient(Path home) {
        this.socket = home.resolve("control.sock");
    }

    /**
     * A fresh request id for one operator action: host-unique by pid, wall-clock and
     * monotonic time, plus 64 random bits. Not {@code UUID.randomUUID()}: seeding its
     * SecureRandom costs a console command ~150 ms. A StringBuilder, not {@code +}: the
     * first string concatenation of that shape makes a fresh JVM spin method handles
     * (StringConcatFactory), about 30 ms of every console command.
     */
    public static String newRequestId() {
        return new StringBuilder(64).append(Long.toHexString(pid()))
                .append('-').append(Long.toHexString(System.currentTimeMillis()))
                .append('-').append(Long.toHexString(System.nanoTime()))
                .append('-').append(Long.toHexString(ThreadLocalRandom.current().nextLong())).toString();
    }

    /**
     * This process's id. From {@code /proc/self} where there is one: {@code ProcessHandle}
     * starts the JDK's process-reaper machinery and its lambdas, about 20 ms of a console
     * command.
     */
    private static long pid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().pid();
        }
    }

    public Reply call(String command, List<String> args) throws DomusUnavailableException {
        return call(newRequestId(), command, args, IGNORE_LINES);
    }

    /** Not a lambda: the first lambda a fresh JVM links costs it tens of milliseconds. */
    private static final Consumer<String> IGNORE_LINES = new Consumer<>() {
        @Override
        public void accept(String line) {
        }
    };

    /**
     * Sends one request and returns the final reply; streamed lines go to {@code lines}.
     *
     * @throws DomusUnavailableException when no domusd answers on this home
     */
    public Reply call(String requestId, String command, List<String> args, Consumer<String> lines)
            throws DomusUnavailableException {
        return call(requestId, command, args, lines, report -> { });
    }

    /** As above; progress reports of a long command go to {@code progress}. */
    public Reply call(String requestId, String command, List<String> args, Consumer<String> lines,
                      Consumer<String> progress) throws DomusUnavailableException {
        if (!Files.exists(socket)) {
            throw new DomusUnavailableException("no domusd is running for home " + socket.getParent()
                    + " (no " + socket.getFileName() + "): start one with 'bin/domusd --home "
                    + socket.getParent() + "'");
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ControlProtocol.writeFrame(ch, ControlProtocol.encodeRequest(requestId, command, args));
            while (true) {
                byte[] f = ControlProtocol.readFrame(ch);
                if (f.length == 0) {
                    throw new IOException("empty frame from domusd");
                }
                char kind = (char) f[0];
                String text = new String(f, 1, f.length - 1, StandardCharsets.UTF_8);
                switch (kind) {
                    case ControlProtocol.LINE -> lines.accept(text);
                    case ControlProtocol.HEARTBEAT -> { }
                    case ControlProtocol.PROGRESS -> progress.accept(text);
                    case ControlProtocol.OK -> {
                        return new Reply(true, text);
                    }
                    case ControlProtocol.ERROR -> {
                        return new Reply(false, text);
                    }
                    default -> throw new IOException("unknown frame kind '" + kind + "' from domusd");
                }
            }
        } catch (IOException e) {
            throw new DomusUnavailableException("lost the connection to domusd at " + socket + ": "
                    + e.getMessage() + " (is domusd still running?)");
        }
    }

    /** No domusd answers on the control socket. */
    public static final class DomusUnavailableException extends Exception {
        public DomusUnavailableException(String message) {
            super(message);
        }
    }
}
