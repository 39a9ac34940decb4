package dev.domus.dom0.xenstore;

import dev.domus.abi.XsWire;
import dev.domus.abi.flyweight.XsdSockmsgFlyweight;

import static dev.domus.abi.XsWire.*;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A xenstore client speaking {@code xs_wire}, for Dom0's Java code (toolstack, backends) and
 * tests: in-process as any domid ({@link #connect(Xenstored, int)}: domid 0 is privileged,
 * any other is a guest with a guest's permissions), or over the Unix socket
 * ({@link #connect(Path)}, always Dom0). Requests are synchronous, one at a time; watch events
 * queue up for {@link #nextWatchEvent}. Failures throw {@link XsError} with Xen's error name.
 */
public final class XsClient implements AutoCloseable {

    /** A reply or watch event as it came off the wire. */
    public record Message(int type, int reqId, int txId, byte[] payload) {
        public List<String> strings() {
            return XsMessages.split(payload);
        }
    }

    /** A fired watch: the path that changed (relative if the watch was) and the watch's token. */
    public record WatchFired(String path, String token) {
    }

    private static final Message CLOSED = new Message(-1, 0, 0, new byte[0]);

    private final BlockingQueue<Message> replies = new LinkedBlockingQueue<>();
    private final BlockingQueue<WatchFired> events = new LinkedBlockingQueue<>();
    private final Sender sender;
    private final AutoCloseable closer;
    private int nextReqId = 1;

    private interface Sender {
        void send(byte[] message) throws IOException;
    }

    private XsClient(Sender sender, AutoCloseable closer) {
        this.sender = sender;
        this.closer = closer;
    }

    /** An in-process connection acting as {@code domid}. */
    public static XsClient connect(Xenstored daemon, int domid) {
        XsClient[] self = new XsClient[1];
        XsConnection conn = daemon.connect(domid, new XsTransport() {
            @Override
            public void send(byte[] message) {
                self[0].deliver(message);
            }

            @Override
            public void close() {
                self[0].replies.add(CLOSED);
            }
        });
        self[0] = new XsClient(m -> {
            if (!conn.receive(ByteBuffer.wrap(m))) {
                throw new IOException("xenstored closed the connection");
            }
        }, conn::close);
        return self[0];
    }

    /** A connection over xenstored's Unix socket (the same path the stock tools use). */
    public static XsClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        XsClient[] self = new XsClient[1];
        Thread reader = new Thread(() -> self[0].readLoop(ch), "xs-client-read");
        reader.setDaemon(true);
        self[0] = new XsClient(m -> {
            ByteBuffer b = ByteBuffer.wrap(m);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }, () -> {
            ch.close();
            reader.join();
        });
        reader.start();
        return self[0];
    }

    private void readLoop(SocketChannel ch) {
        ByteBuffer header = ByteBuffer.allocate(XsdSockmsgFlyweight.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (true) {
                header.clear();
                if (!readFully(ch, header)) {
                    break;
                }
                int len = header.getInt(XsdSockmsgFlyweight.LEN_OFFSET);
                ByteBuffer body = ByteBuffer.allocate(len);
                if (!readFully(ch, body)) {
                    break;
                }
                deliver(XsMessages.message(header.getInt(XsdSockmsgFlyweight.TYPE_OFFSET), header.getInt(XsdSockmsgFlyweight.REQ_ID_OFFSET),
                        header.getInt(XsdSockmsgFlyweight.TX_ID_OFFSET), body.array()));
            }
        } catch (IOException e) {
            // closed
        }
        replies.add(CLOSED);
    }

    private static boolean readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private void deliver(byte[] m) {
        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.getInt(XsdSockmsgFlyweight.TYPE_OFFSET);
        byte[] payload = new byte[b.getInt(XsdSockmsgFlyweight.LEN_OFFSET)];
        b.position(XsdSockmsgFlyweight.LENGTH);
        b.get(payload);
        if (type == XS_WATCH_EVENT) {
            List<String> a = XsMessages.split(payload);
            events.add(new WatchFired(a.get(0), a.size() > 1 ? a.get(1) : ""));
        } else {
            replies.add(new Message(type, b.getInt(XsdSockmsgFlyweight.REQ_ID_OFFSET), b.getInt(XsdSockmsgFlyweight.TX_ID_OFFSET), payload));
        }
    }

    /**
     * Sends one request and waits for its reply, error replies included (for protocol tests).
     *
     * @throws XsError EIO if the daemon closed the connection instead of replying
     */
    public synchronized Message request(int type, int txId, byte[] payload) {
        int reqId = nextReqId++;
        try {
            sender.send(XsMessages.message(type, reqId, txId, payload));
            Message m = replies.take();
            if (m == CLOSED) {
                replies.add(CLOSED);
                throw new XsError("EIO", "xenstored closed the connection");
            }
            return m;
        } catch (IOException e) {
            throw new XsError("EIO", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new XsError("EINTR", "interrupted waiting for xenstored");
        }
    }

    /** Sends raw bytes without waiting (for tests of malformed or partial messages). */
    public void sendRaw(byte[] bytes) throws IOException {
        sender.send(bytes);
    }

    /** Waits for the next reply to a {@link #sendRaw} message; null if the daemon hung up. */
    public Message nextReply() throws InterruptedException {
        Message m = replies.take();
        if (m == CLOSED) {
            replies.add(CLOSED);
            return null;
        }
        return m;
    }

    private byte[] call(int type, int txId, byte[] payload) {
        Message m = request(type, txId, payload);
        if (m.type() == XS_ERROR) {
            throw new XsError(XsMessages.split(m.payload()).get(0));
        }
        return m.payload();
    }

    private static byte[] s(String... args) {
        return XsMessages.strings(args);
    }

    public String read(String path) {
        return read(0, path);
    }

    public String read(int tx, String path) {
        return new String(call(XS_READ, tx, s(path)), StandardCharsets.UTF_8);
    }

    public void write(String path, String value) {
        write(0, path, value);
    }

    public void write(int tx, String path, String value) {
        byte[] p = path.getBytes(StandardCharsets.ISO_8859_1);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[p.length + 1 + v.length];
        System.arraycopy(p, 0, payload, 0, p.length);
        System.arraycopy(v, 0, payload, p.length + 1, v.length);
        call(XS_WRITE, tx, payload);
    }

    public void mkdir(String path) {
        mkdir(0, path);
    }

    public void mkdir(int tx, String path) {
        call(XS_MKDIR, tx, s(path));
    }

    public void rm(String path) {
        rm(0, path);
    }

    public void rm(int tx, String path) {
        call(XS_RM, tx, s(path));
    }

    public List<String> directory(String path) {
        return directory(0, path);
    }

    public List<String> directory(int tx, String path) {
        return XsMessages.split(call(XS_DIRECTORY, tx, s(path)));
    }

    public List<XsPermission> getPerms(String path) {
        List<XsPermission> out = new ArrayList<>();
        for (String p : XsMessages.split(call(XS_GET_PERMS, 0, s(path)))) {
            out.add(XsPermission.parse(p));
        }
        return out;
    }

    public void setPerms(String path, List<XsPermission> perms) {
        setPerms(0, path, perms);
    }

    public void setPerms(int tx, String path, List<XsPermission> perms) {
        List<String> args = new ArrayList<>();
        args.add(path);
        for (XsPermission p : perms) {
            args.add(p.toString());
        }
        call(XS_SET_PERMS, tx, XsMessages.strings(args));
    }

    /** Sets a watch; the daemon fires it once straight away, as Xen does. */
    public void watch(String path, String token) {
        call(XS_WATCH, 0, s(path, token));
    }

    public void unwatch(String path, String token) {
        call(XS_UNWATCH, 0, s(path, token));
    }

    /** The next fired watch, or null if none comes within the timeout. */
    public WatchFired nextWatchEvent(long timeout, TimeUnit unit) throws InterruptedException {
        return events.poll(timeout, unit);
    }

    /** A fired watch already received, or null. */
    public WatchFired pollWatchEvent() {
        return events.poll();
    }

    /** Starts a transaction; pass its id to the {@code tx} forms of the operations. */
    public int transactionStart() {
        return Integer.parseUnsignedInt(XsMessages.split(call(XS_TRANSACTION_START, 0, s(""))).get(0));
    }

    /**
     * Ends a transaction.
     *
     * @return false if committing failed with EAGAIN (something it used changed: retry it)
     */
    public boolean transactionEnd(int tx, boolean commit) {
        try {
            call(XS_TRANSACTION_END, tx, s(commit ? "T" : "F"));
            return true;
        } catch (XsError e) {
            if (e.errorName().equals("EAGAIN")) {
                return false;
            }
            throw e;
        }
    }

    public void introduce(int domid, long mfn, int port) {
        call(XS_INTRODUCE, 0, s(Integer.toString(domid), Long.toUnsignedString(mfn), Integer.toString(port)));
    }

    public void release(int domid) {
        call(XS_RELEASE, 0, s(Integer.toString(domid)));
    }

    public String getDomainPath(int domid) {
        return XsMessages.split(call(XS_GET_DOMAIN_PATH, 0, s(Integer.toString(domid)))).get(0);
    }

    public boolean isDomainIntroduced(int domid) {
        return XsMessages.split(call(XS_IS_DOMAIN_INTRODUCED, 0, s(Integer.toString(domid)))).get(0).equals("T");
    }

    public void resetWatches() {
        call(XS_RESET_WATCHES, 0, s(""));
    }

    public String control(String... args) {
        List<String> out = XsMessages.split(call(XS_CONTROL, 0, s(args)));
        return out.isEmpty() ? "" : out.get(0);
    }

    @Override
    public void close() {
        try {
            closer.close();
        } catch (Exception e) {
            // closing a connection that is already gone
        }
    }
}
