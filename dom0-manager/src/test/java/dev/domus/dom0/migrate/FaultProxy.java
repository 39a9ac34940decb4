package dev.domus.dom0.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntConsumer;

/**
 * A TCP proxy on loopback between a migration source and its target, for fault injection on
 * a real connection: it follows the migration stream's framing (hello line, image and domain
 * headers, records) and, at a chosen record, flips one bit in it, cuts both connections, or
 * runs an action first (e.g. kill the target process) and then cuts. One connection.
 */
final class FaultProxy implements AutoCloseable {

    /**
     * FLIP a bit in the record; CUT both connections at it; LOSE_DONE: forward everything up to
     * and including the source's COMMIT, but not the target's answer to it, then cut once the
     * target has closed (the source must ask the target, through this proxy, what happened).
     */
    enum Fault { NONE, FLIP, CUT, LOSE_DONE }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Fault fault;
    private final int atRecordType;
    private final int skipRecords;
    private final IntConsumer before;
    private final Thread thread;
    private volatile Socket src;
    private volatile Socket dst;
    /** Connections after the first (a source's query after a lost answer). */
    volatile int laterConnections;
    /** The record number the fault hit, or -1. */
    volatile int faultedRecord = -1;

    /**
     * @param fault        what to do at the record
     * @param atRecordType the record type to act on (ImageFormat.REC_TYPE_*)
     * @param skipRecords  how many records of that type to let through first
     * @param before       run (with the record number) before the fault, or null
     */
    FaultProxy(String target, Fault fault, int atRecordType, int skipRecords, IntConsumer before) throws IOException {
        this.server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        int colon = target.lastIndexOf(':');
        this.target = new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
        this.fault = fault;
        this.atRecordType = atRecordType;
        this.skipRecords = skipRecords;
        this.before = before;
        this.thread = new Thread(this::run, "fault-proxy");
        thread.setDaemon(true);
        thread.start();
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void run() {
        try {
            Socket a = server.accept();
            src = a;
            Socket b = new Socket();
            dst = b;
            b.connect(target, 10_000);
            Thread later = new Thread(this::plain, "fault-proxy-later");
            later.setDaemon(true);
            later.start();
            Thread back = new Thread(() -> {
                if (fault == Fault.LOSE_DONE) {
                    pumpUntilReady(b, a);
                } else {
                    pump(b, a);
                }
            }, "fault-proxy-back");
            back.setDaemon(true);
            back.start();
            forward(a.getInputStream(), b.getOutputStream());
            b.shutdownOutput();
            back.join();
        } catch (IOException | InterruptedException e) {
            // a fault we caused, or the test is over
        } finally {
            cut();
        }
    }

    /** Later connections (a source's query) pass through untouched. */
    private void plain() {
        while (!server.isClosed()) {
            try {
                Socket a = server.accept();
                laterConnections++;
                Socket b = new Socket();
                b.connect(target, 10_000);
                Thread t = new Thread(() -> pump(b, a), "fault-proxy-plain-back");
                t.setDaemon(true);
                t.start();
                pump(a, b);
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Target to source: lines up to READY, then the target's answers are read and dropped. */
    private void pumpUntilReady(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                out.write(c);
                if (c != '\n') {
                    line.append((char) c);
                    continue;
                }
                out.flush();
                if (line.toString().startsWith("READY")) {
                    break;
                }
                line.setLength(0);
            }
            in.transferTo(OutputStream.nullOutputStream()); // DONE is lost; wait for the target to close
        } catch (IOException ignored) {
            // cut
        }
        cut();
    }

    private static void pump(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException ignored) {
            // cut
        }
    }

    /** Source to target, record by record. */
    private void forward(InputStream in, OutputStream out) throws IOException {
        // hello line
        int c;
        while ((c = in.read()) >= 0) {
            out.write(c);
            if (c == '\n') {
                break;
            }
        }
        copy(in, out, 32 + 24);
        int seen = 0;
        for (int n = 0; ; n++) {
            byte[] head = in.readNBytes(8);
            if (head.length < 8) {
                out.write(head);
                return;
            }
            ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            int type = h.getInt(0);
            int len = h.getInt(4);
            byte[] rest = in.readNBytes(((len + 7) & ~7) + 8);
            if (type == atRecordType && fault != Fault.NONE && seen++ == skipRecords) {
                faultedRecord = n;
                if (before != null) {
                    before.accept(n);
                }
                if (fault == Fault.CUT) {
                    cut();
                    return;
                }
                rest[Math.min(rest.length - 9, 100)] ^= 0x10; // inside the body: the CRC no longer matches
            }
            out.write(head);
            out.write(rest);
            if (type == 0) {
                out.flush();
                // END: after it, the source's COMMIT line and nothing else
                in.transferTo(out);
                if (fault == Fault.LOSE_DONE) {
                    faultedRecord = n;
                }
                return;
            }
        }
    }

    private static void copy(InputStream in, OutputStream out, int n) throws IOException {
        out.write(in.readNBytes(n));
    }

    private void cut() {
        for (Socket s : new Socket[] {src, dst}) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        cut();
        thread.join(10_000);
    }
}
