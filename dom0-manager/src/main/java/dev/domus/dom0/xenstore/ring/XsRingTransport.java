package dev.domus.dom0.xenstore.ring;

import static dev.domus.abi.XsWire.XENSTORE_RING_SIZE;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.XsWire;
import dev.domus.dom0.xenstore.XsConnection;
import dev.domus.dom0.xenstore.XsTransport;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The daemon's end of a guest's {@code struct xenstore_domain_interface} (io/xs_wire.h), mapped
 * into Dom0: requests come in on {@code req} (the guest produces, we consume), replies and
 * watch events go out on {@code rsp} (we produce, the guest consumes). Each side publishes its
 * index only after the bytes it covers, and notifies the other through the event channel.
 *
 * <p>Everything in the page is the guest's and may change under us: indices are read once,
 * checked ({@code prod - cons <= XENSTORE_RING_SIZE}) and only then used; a guest that breaks
 * the protocol gets {@code error = XENSTORE_ERROR_RINGIDX} and loses its connection.
 */
public final class XsRingTransport implements XsTransport {

    // struct xenstore_domain_interface: req[1024] @0, rsp[1024] @1024, then the indices.
    static final int REQ_OFFSET = 0;
    static final int RSP_OFFSET = XENSTORE_RING_SIZE;
    static final int REQ_CONS_OFFSET = 2 * XENSTORE_RING_SIZE;
    static final int REQ_PROD_OFFSET = REQ_CONS_OFFSET + 4;
    static final int RSP_CONS_OFFSET = REQ_CONS_OFFSET + 8;
    static final int RSP_PROD_OFFSET = REQ_CONS_OFFSET + 12;
    static final int SERVER_FEATURES_OFFSET = REQ_CONS_OFFSET + 16;
    static final int CONNECTION_OFFSET = REQ_CONS_OFFSET + 20;
    static final int ERROR_OFFSET = REQ_CONS_OFFSET + 24;

    private final GuestMemory mem;
    private final long page;
    private final Dom0Calls calls;
    private final int localPort;
    private final byte[] chunk = new byte[XENSTORE_RING_SIZE];
    private final ByteBuffer in = ByteBuffer.wrap(chunk);
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private XsConnection connection;
    private volatile boolean closed;
    private Runnable onClose = () -> { };

    /**
     * @param mem       Dom0's memory
     * @param page      where the guest's ring page is mapped in Dom0's memory
     * @param calls     for notifying the guest
     * @param localPort Dom0's port bound to the guest's xenstore channel
     */
    public XsRingTransport(GuestMemory mem, long page, Dom0Calls calls, int localPort) {
        this.mem = mem;
        this.page = page;
        this.calls = calls;
        this.localPort = localPort;
        // As C xenstored: say we report errors in the page; we do not support reconnection.
        mem.putIntVolatile(page + SERVER_FEATURES_OFFSET, XsWire.XENSTORE_SERVER_FEATURE_ERROR);
        mem.putIntVolatile(page + CONNECTION_OFFSET, XsWire.XENSTORE_CONNECTED);
    }

    void connect(XsConnection c, Runnable whenClosed) {
        this.connection = c;
        this.onClose = whenClosed;
    }

    /** Runs on the backend thread at each event: flush replies the guest made room for, then read requests. */
    void onEvent() {
        flush();
        boolean consumed = false;
        // A guest with its quota of unread output gets no more requests read: they stay in its
        // ring until it reads (so what is queued for it stays bounded).
        while (!closed && pendingMessages() < connection.outstandingLimit()) {
            int cons = mem.getIntVolatile(page + REQ_CONS_OFFSET);
            int prod = mem.getIntVolatile(page + REQ_PROD_OFFSET);
            int avail = prod - cons;
            if (avail == 0) {
                break;
            }
            if (avail < 0 || avail > XENSTORE_RING_SIZE) {
                protocolError(XsWire.XENSTORE_ERROR_RINGIDX);
                return;
            }
            // Copy out what is there (in at most two pieces, the ring wraps), then release it.
            int n = 0;
            while (n < avail) {
                int idx = (cons + n) & (XENSTORE_RING_SIZE - 1);
                int run = Math.min(avail - n, XENSTORE_RING_SIZE - idx);
                mem.getBytes(page + REQ_OFFSET + idx, chunk, n, run);
                n += run;
            }
            mem.putIntOrdered(page + REQ_CONS_OFFSET, cons + avail);
            consumed = true;
            in.clear().limit(avail);
            if (!connection.receive(in)) {
                // The daemon dropped the guest (e.g. a payload over XENSTORE_PAYLOAD_MAX).
                protocolError(XsWire.XENSTORE_ERROR_PROTO);
                return;
            }
        }
        if (consumed) {
            calls.send(localPort); // the guest may be waiting for room in req
        }
    }

    /** Queues a whole message for the guest and writes as much as the rsp ring has room for. */
    @Override
    public void send(byte[] message) {
        synchronized (out) {
            if (closed) {
                return;
            }
            out.add(ByteBuffer.wrap(message));
        }
        flush();
    }

    private void flush() {
        boolean wrote = false;
        synchronized (out) {
            while (!closed && !out.isEmpty()) {
                int cons = mem.getIntVolatile(page + RSP_CONS_OFFSET);
                int prod = mem.getIntVolatile(page + RSP_PROD_OFFSET);
                int used = prod - cons;
                if (used < 0 || used > XENSTORE_RING_SIZE) {
                    closed = true;
                    mem.putIntVolatile(page + ERROR_OFFSET, XsWire.XENSTORE_ERROR_RINGIDX);
                    break;
                }
                int space = XENSTORE_RING_SIZE - used;
                if (space == 0) {
                    break; // the guest will notify us when it has read
                }
                ByteBuffer m = out.peek();
                int n = Math.min(space, m.remaining());
                for (int done = 0; done < n; ) {
                    int idx = (prod + done) & (XENSTORE_RING_SIZE - 1);
                    int run = Math.min(n - done, XENSTORE_RING_SIZE - idx);
                    mem.putBytes(page + RSP_OFFSET + idx, m.array(), m.position(), run);
                    m.position(m.position() + run);
                    done += run;
                }
                mem.putIntOrdered(page + RSP_PROD_OFFSET, prod + n);
                wrote = true;
                if (!m.hasRemaining()) {
                    out.poll();
                }
            }
        }
        if (wrote) {
            calls.send(localPort);
        }
    }

    private void protocolError(int error) {
        mem.putIntVolatile(page + ERROR_OFFSET, error);
        synchronized (out) {
            closed = true;
            out.clear();
        }
        connection.close();
    }

    /** The daemon is done with this guest (released, or a protocol violation): stop the ring. */
    @Override
    public void close() {
        synchronized (out) {
            closed = true;
            out.clear();
        }
        onClose.run();
    }

    /** Messages queued for the guest that its rsp ring had no room for yet. */
    @Override
    public int pendingMessages() {
        synchronized (out) {
            return out.size();
        }
    }

    /** Bytes queued for the guest that its rsp ring had no room for yet. */
    @Override
    public int pendingBytes() {
        synchronized (out) {
            int n = 0;
            for (ByteBuffer b : out) {
                n += b.remaining();
            }
            return n;
        }
    }
}
