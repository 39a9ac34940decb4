package dev.domus.dom0.daemon;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.domus.dom0.control.CommandException;
import dev.domus.dom0.control.wire.ControlProtocol;
import dev.domus.dom0.control.wire.ControlProtocol.Request;

/**
 * The control socket server: a Unix domain socket ({@code DIR/control.sock}, mode 0600) with
 * one thread per connection, speaking {@link ControlProtocol}. A client that disconnects
 * mid-request, sends garbage or goes away while its command runs costs only its own
 * connection.
 */
public final class ControlServer implements AutoCloseable {

    private final Path path;
    private final ServerSocketChannel server;
    private final RequestRouter router;
    private final Thread acceptor;
    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * Binds the socket (replacing a stale socket file: the caller holds the home lock, so no
     * live daemon owns it) and starts accepting.
     */
    public ControlServer(Path path, RequestRouter router) throws IOException {
        this.path = path;
        this.router = router;
        Files.deleteIfExists(path);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        this.acceptor = new Thread(this::acceptLoop, "domusd-control-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            clients.add(ch);
            Thread t = new Thread(() -> serve(ch), "domusd-control-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            Request req;
            try {
                req = ControlProtocol.decodeRequest(ControlProtocol.readFrame(ch));
            } catch (ControlProtocol.ProtocolException e) {
                ControlProtocol.writeFrame(ch, ControlProtocol.ERROR, e.getMessage());
                return;
            }
            Responder out = new Responder() {
                @Override
                public void line(String text) throws IOException {
                    ControlProtocol.writeFrame(ch, ControlProtocol.LINE, text);
                }

                @Override
                public void heartbeat() throws IOException {
                    ControlProtocol.writeFrame(ch, ControlProtocol.HEARTBEAT, "");
                }

                @Override
                public void progress(String report) throws IOException {
                    ControlProtocol.writeFrame(ch, ControlProtocol.PROGRESS, report);
                }
            };
            String reply;
            try {
                reply = router.serve(req, out);
            } catch (CommandException e) {
                ControlProtocol.writeFrame(ch, ControlProtocol.ERROR, e.getMessage());
                return;
            }
            ControlProtocol.writeFrame(ch, ControlProtocol.OK, reply == null ? "" : reply);
        } catch (EOFException | ClosedChannelException e) {
            // the client went away (or we are closing): nothing to answer
        } catch (IOException e) {
            // a broken pipe to one client is that client's problem
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            System.err.println("domusd: internal error serving a control request: " + e);
        } finally {
            clients.remove(ch);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (SocketChannel c : clients) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
