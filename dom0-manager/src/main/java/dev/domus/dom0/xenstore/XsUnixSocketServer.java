package dev.domus.dom0.xenstore;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Serves Dom0's tools on a Unix domain socket, the way C xenstored serves
 * {@code /var/run/xenstored/socket}: the stock {@code xenstore-*} clients reach it with
 * {@code XENSTORED_PATH=<path>}. The socket file is owner-only (0600); every client is
 * privileged (domid 0), as on Xen, so the file's permissions are the access control
 * (a socket can also be opened for a guest domid, see {@link #start(Xenstored, Path, int)}).
 *
 * <p>One reader and one writer thread per client; a client that disconnects mid-message only
 * loses its own connection (watches and transactions included).
 */
public final class XsUnixSocketServer implements AutoCloseable {

    /** Messages queued for one client before it is considered stuck and dropped. */
    static final int MAX_QUEUED_MESSAGES = 8192;

    private final Xenstored daemon;
    private final int domid;
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final List<Client> clients = new ArrayList<>();
    private volatile boolean closing;

    private XsUnixSocketServer(Xenstored daemon, int domid, Path path, ServerSocketChannel server) {
        this.daemon = daemon;
        this.domid = domid;
        this.path = path;
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "xenstored-accept");
        this.acceptor.setDaemon(true);
    }

    /**
     * Binds {@code socketPath} and starts accepting. A stale socket file left by a dead daemon
     * is replaced; a live one (something accepts on it) or a non-socket file is refused.
     *
     * @throws IOException with a message that names the path and the problem
     */
    public static XsUnixSocketServer start(Xenstored daemon, Path socketPath) throws IOException {
        return start(daemon, socketPath, 0);
    }

    /**
     * Like {@link #start(Xenstored, Path)}, but every client of this socket acts as
     * {@code domid}, with that domain's permissions and quotas. Xen has no such socket; Domus
     * uses it so that tools (and tests running the stock clients) can act on a guest's behalf,
     * e.g. to see a guest's permission denials. Domid 0 gives the ordinary Dom0 socket.
     */
    public static XsUnixSocketServer start(Xenstored daemon, Path socketPath, int domid) throws IOException {
        if (domid < 0 || domid >= dev.domus.abi.Xen.DOMID_FIRST_RESERVED) {
            throw new IllegalArgumentException("not a domain id: " + domid);
        }
        Path path = socketPath.toAbsolutePath();
        Path dir = path.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("xenstored socket directory does not exist: " + dir);
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!isSocket(path) || isLive(path)) {
                throw new FileAlreadyExistsException(path.toString(), null,
                        "a xenstored is already listening there, or the file is not a socket; stop it or remove the file");
            }
            Files.delete(path);
        }
        // Bind inside a private directory, tighten the mode, then move it into place, so the
        // socket is never reachable with looser permissions.
        Path staging = Files.createTempDirectory(dir, ".xs-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path staged = staging.resolve("s");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(staged));
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-------"));
            Files.move(staged, path, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(staged);
            throw e;
        } finally {
            Files.deleteIfExists(staging);
        }
        XsUnixSocketServer s = new XsUnixSocketServer(daemon, domid, path, server);
        s.acceptor.start();
        return s;
    }

    private static boolean isSocket(Path path) throws IOException {
        return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).isOther();
    }

    private static boolean isLive(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closing) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            synchronized (clients) {
                if (closing) {
                    closeQuietly(ch);
                    return;
                }
                Client c = new Client(ch);
                try {
                    c.connection = daemon.connect(domid, c);
                } catch (IllegalStateException e) {
                    closeQuietly(ch);
                    continue;
                }
                clients.add(c);
                c.start();
            }
        }
    }

    /** Stops accepting, drops every client, removes the socket file. */
    @Override
    public void close() throws IOException {
        closing = true;
        server.close();
        List<Client> toClose;
        synchronized (clients) {
            toClose = new ArrayList<>(clients);
        }
        for (Client c : toClose) {
            c.connection.close();
            c.shutdown();
        }
        try {
            acceptor.join();
            for (Client c : toClose) {
                c.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to do with a channel we are dropping
        }
    }

    /** One socket client: the transport of its connection, with its reader and writer threads. */
    private final class Client implements XsTransport {
        private static final byte[] END = new byte[0];
        private final SocketChannel channel;
        private final BlockingQueue<byte[]> out = new LinkedBlockingQueue<>();
        private final Thread reader;
        private final Thread writer;
        XsConnection connection;

        Client(SocketChannel channel) {
            this.channel = channel;
            this.reader = new Thread(this::readLoop, "xenstored-read");
            this.writer = new Thread(this::writeLoop, "xenstored-write");
            reader.setDaemon(true);
            writer.setDaemon(true);
        }

        void start() {
            reader.start();
            writer.start();
        }

        private void readLoop() {
            ByteBuffer buf = ByteBuffer.allocate(8192);
            try {
                while (true) {
                    buf.clear();
                    if (channel.read(buf) < 0) {
                        break;
                    }
                    buf.flip();
                    if (!connection.receive(buf)) {
                        break;
                    }
                }
            } catch (IOException e) {
                // peer gone or channel closed: same as EOF
            }
            connection.close();
            synchronized (clients) {
                clients.remove(this);
            }
        }

        private void writeLoop() {
            try {
                while (true) {
                    byte[] m = out.take();
                    if (m == END) {
                        break;
                    }
                    ByteBuffer b = ByteBuffer.wrap(m);
                    while (b.hasRemaining()) {
                        channel.write(b);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // peer gone: the reader sees it too and closes the connection
            }
            closeQuietly(channel);
        }

        @Override
        public void send(byte[] message) {
            if (out.size() >= MAX_QUEUED_MESSAGES) {
                // A client that never reads its replies or watch events: cut it off.
                out.clear();
                out.add(END);
                return;
            }
            out.add(message);
        }

        @Override
        public void close() {
            // Let the writer flush what is queued (e.g. the E2BIG reply), then close the channel.
            out.add(END);
        }

        void shutdown() {
            closeQuietly(channel);
        }

        void join() throws InterruptedException {
            reader.join();
            writer.join();
        }
    }
}
