package dev.domus.dom0.migrate;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.domus.dom0.save.GuestPageIo;
import dev.domus.dom0.save.ImageException;
import dev.domus.dom0.save.ImageReader;
import dev.domus.dom0.save.PageLoader;
import dev.domus.dom0.save.SavedDomainInfo;
import dev.domus.dom0.save.SavedImage;
import dev.domus.hv.boot.Dom0;

/**
 * The target side of live migration: {@code domusd --listen HOST:PORT}. Each connection is
 * one incoming migration (or a source's query after it lost a commit, see
 * {@link MigrationProtocol}) on its own thread. The stream is checked record by record as it
 * arrives (CRC32C, lengths, order, PFN ranges); the domain is built paused when the first
 * page arrives and its pages are written as they come, the last copy of a page winning. The
 * domain is unpaused only once the source commits; on any fault before that the partial
 * domain is removed and the source is told why.
 */
public final class MigrationListener implements AutoCloseable {

    /** What the toolstack does for an incoming migration. */
    public interface Target {
        /** Builds the domain, paused, to be resumed; returns its domid. Throws with the refusal. */
        int build(SavedDomainInfo info, String configSource, String config) throws Exception;

        /** Everything is loaded: restore what else the stream carried (xenstore data). */
        void prepare(int domid, SavedImage image) throws Exception;

        /** The source committed: run the domain. */
        void commit(int domid, String from) throws Exception;

        /** Removes the partial domain. */
        void abort(int domid, String why);
    }

    /** How long a failed receiver keeps reading (and discarding) so the source sees its ERROR line. */
    private static final int DRAIN_MS = 10_000;
    /** Guards reads against a source that hangs mid-stream (never the synchronization itself). */
    private static final int READ_TIMEOUT_MS = 60_000;
    private static final int OUTCOMES_KEPT = 256;

    private final ServerSocket server;
    private final Dom0 dom0;
    private final Target target;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<String> inProgress = new HashSet<>();
    private final Map<String, String> outcomes = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> e) {
            return size() > OUTCOMES_KEPT;
        }
    };
    private volatile boolean closed;

    private MigrationListener(ServerSocket server, Dom0 dom0, Target target) {
        this.server = server;
        this.dom0 = dom0;
        this.target = target;
        this.acceptor = new Thread(this::acceptLoop, "domusd-migrate-accept");
        acceptor.setDaemon(true);
    }

    /** Binds {@code HOST:PORT} (port 0: any free port); the host is not started yet, so a bad address changes nothing. */
    public static ServerSocket bind(String hostPort) throws IOException {
        InetSocketAddress a;
        try {
            a = MigrationSender.address(hostPort.endsWith(":0") ? hostPort.substring(0, hostPort.length() - 1) + "1"
                    : hostPort);
        } catch (MigrationException e) {
            throw new IOException(e.getMessage());
        }
        if (hostPort.endsWith(":0")) {
            a = new InetSocketAddress(a.getHostString(), 0);
        }
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(a);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Starts accepting on a socket from {@link #bind}. */
    public static MigrationListener start(ServerSocket bound, Dom0 dom0, Target target) {
        MigrationListener l = new MigrationListener(bound, dom0, target);
        l.acceptor.start();
        return l;
    }

    /** Where sources connect (the bound port, if 0 was asked for). */
    public String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            open.add(s);
            Thread t = new Thread(() -> serve(s), "domusd-migrate-in");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(READ_TIMEOUT_MS);
            s.setTcpNoDelay(true);
            DryInput raw = new DryInput(s.getInputStream());
            InputStream in = new BufferedInputStream(raw, 1 << 20);
            OutputStream out = s.getOutputStream();
            String hello = MigrationProtocol.readLine(in);
            if (hello == null) {
                return;
            }
            String word = MigrationProtocol.word(hello);
            String id = MigrationProtocol.rest(hello).trim();
            if (word.equals(MigrationProtocol.QUERY)) {
                MigrationProtocol.writeLine(out, outcomeOf(id));
            } else if (!word.equals(MigrationProtocol.HELLO) || id.isEmpty()) {
                MigrationProtocol.writeLine(out, MigrationProtocol.ERROR + " not a Domus migration stream (expected "
                        + MigrationProtocol.HELLO + ")");
            } else {
                receive(s, raw, in, out, id);
            }
        } catch (IOException e) {
            // that connection's problem; an incoming migration has already cleaned up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(s);
        }
    }

    private void receive(Socket s, DryInput raw, InputStream in, OutputStream out, String id) {
        synchronized (this) {
            inProgress.add(id);
        }
        String from = s.getInetAddress().getHostAddress() + ":" + s.getPort();
        int[] domid = {-1};
        PageLoader[] loader = new PageLoader[1];
        long[] loaded = {0, -1}; // page entries loaded, and the count last told to the source
        raw.onDry(() -> {
            if (loaded[0] != loaded[1]) {
                loaded[1] = loaded[0];
                MigrationProtocol.writeLine(out, MigrationProtocol.LOADED + " " + loaded[0]);
            }
        });
        String outcome;
        try (GuestPageIo io = new GuestPageIo(dom0)) {
            try {
                SavedImage img = ImageReader.readStream(in, "the migration stream from " + from,
                        (info, src, cfg) -> {
                            if (cfg == null) {
                                throw new ImageException("the migration stream has no DOMUS_CONFIG record before its pages");
                            }
                            domid[0] = target.build(info, src, cfg);
                            loader[0] = new PageLoader(io, domid[0], info, true);
                        },
                        (pfn, type, data, off) -> {
                            loader[0].page(pfn, type, data, off);
                            loaded[0]++;
                        });
                raw.onDry(null);
                loader[0].flush();
                target.prepare(domid[0], img);
                MigrationProtocol.writeLine(out, MigrationProtocol.READY + " " + domid[0]);
                String commit = MigrationProtocol.readLine(in);
                if (!MigrationProtocol.COMMIT.equals(commit)) {
                    throw new IOException(commit == null ? "the source went away before the commit"
                            : "the source sent '" + commit + "' instead of " + MigrationProtocol.COMMIT);
                }
                target.commit(domid[0], from);
                outcome = MigrationProtocol.RUNNING + " " + domid[0];
                finish(id, outcome);
                try {
                    MigrationProtocol.writeLine(out, MigrationProtocol.DONE + " " + domid[0]);
                } catch (IOException ignored) {
                    // committed: the source asks again if it missed this
                }
                return;
            } catch (Exception e) {
                raw.onDry(null); // from here on the source hears only the refusal
                String why = MigrationSender.message(e);
                if (domid[0] >= 0) {
                    target.abort(domid[0], why);
                }
                finish(id, MigrationProtocol.ABORTED + " " + why);
                refuse(s, in, out, why);
            }
        }
    }

    /**
     * The socket's input, telling a listener each time a read would wait for the network: the
     * receiver has caught up with everything the source sent so far (see {@link MigrationProtocol#LOADED}).
     */
    private static final class DryInput extends java.io.FilterInputStream {
        interface OnDry {
            void dry() throws IOException;
        }

        private OnDry onDry;

        DryInput(InputStream in) {
            super(in);
        }

        void onDry(OnDry r) {
            this.onDry = r;
        }

        @Override
        public int read() throws IOException {
            dryCheck();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            dryCheck();
            return super.read(b, off, len);
        }

        private void dryCheck() throws IOException {
            if (onDry != null && super.available() == 0) {
                onDry.dry();
            }
        }
    }

    /** Tells the source why, then reads what it still sends until it stops, so it sees the line. */
    private static void refuse(Socket s, InputStream in, OutputStream out, String why) {
        try {
            MigrationProtocol.writeLine(out, MigrationProtocol.ERROR + " " + why);
            s.shutdownOutput();
            s.setSoTimeout(DRAIN_MS);
            byte[] sink = new byte[1 << 16];
            long until = System.nanoTime() + DRAIN_MS * 1_000_000L;
            while (in.read(sink) >= 0 && System.nanoTime() < until) {
                // discard
            }
        } catch (IOException ignored) {
            // the source has gone
        }
    }

    private synchronized void finish(String id, String outcome) {
        inProgress.remove(id);
        outcomes.put(id, outcome);
        notifyAll();
    }

    /** The outcome of migration {@code id}, waiting while it is still being decided. */
    private synchronized String outcomeOf(String id) throws InterruptedException {
        long deadline = System.nanoTime() + READ_TIMEOUT_MS * 1_000_000L;
        while (inProgress.contains(id) && System.nanoTime() < deadline) {
            wait(1000);
        }
        String o = outcomes.get(id);
        return o != null ? o : MigrationProtocol.UNKNOWN;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
