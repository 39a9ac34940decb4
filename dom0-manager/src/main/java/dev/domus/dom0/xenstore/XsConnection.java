package dev.domus.dom0.xenstore;

import dev.domus.abi.XsWire;
import dev.domus.abi.flyweight.XsdSockmsgFlyweight;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One client of the daemon: a domain id and a byte transport. Bytes from the peer go in
 * through {@link #receive(ByteBuffer)} in whatever pieces the transport delivers; each
 * complete {@code xsd_sockmsg} is handled and its reply goes out through the transport.
 *
 * <p>{@code receive} must be called by one thread at a time (the transport's reader).
 */
public final class XsConnection implements Caller {

    private final Xenstored daemon;
    private final int domid;
    private final XsTransport transport;

    // Framing state, touched only by the reader thread.
    private final ByteBuffer header = ByteBuffer.allocate(XsdSockmsgFlyweight.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private byte[] payload;
    private int payloadFill;

    // Guarded by the daemon's lock.
    final List<Watch> watches = new ArrayList<>();
    final Map<Integer, XsTransaction> transactions = new HashMap<>();
    private volatile boolean closed;

    XsConnection(Xenstored daemon, int domid, XsTransport transport) {
        this.daemon = daemon;
        this.domid = domid;
        this.transport = transport;
    }

    @Override
    public int domid() {
        return domid;
    }

    @Override
    public boolean privileged() {
        return domid == 0;
    }

    @Override
    public int target() {
        return daemon.targetOf(domid);
    }

    /**
     * Feeds bytes from the peer. Handles every message they complete.
     *
     * @return false once the connection is closed (a protocol violation closes it)
     */
    public boolean receive(ByteBuffer data) {
        while (data.hasRemaining() && !isClosed()) {
            if (payload == null) {
                while (header.hasRemaining() && data.hasRemaining()) {
                    header.put(data.get());
                }
                if (header.hasRemaining()) {
                    return true;
                }
                int len = header.getInt(XsdSockmsgFlyweight.LEN_OFFSET);
                if (len < 0 || len > XsWire.XENSTORE_PAYLOAD_MAX) {
                    // The stream cannot be resynchronised: answer, then drop the peer (as C xenstored does).
                    daemon.protocolViolation(this, header.getInt(XsdSockmsgFlyweight.REQ_ID_OFFSET),
                            header.getInt(XsdSockmsgFlyweight.TX_ID_OFFSET), "E2BIG");
                    return false;
                }
                payload = new byte[len];
                payloadFill = 0;
            }
            int n = Math.min(data.remaining(), payload.length - payloadFill);
            data.get(payload, payloadFill, n);
            payloadFill += n;
            if (payloadFill == payload.length) {
                int type = header.getInt(XsdSockmsgFlyweight.TYPE_OFFSET);
                int reqId = header.getInt(XsdSockmsgFlyweight.REQ_ID_OFFSET);
                int txId = header.getInt(XsdSockmsgFlyweight.TX_ID_OFFSET);
                byte[] body = payload;
                payload = null;
                header.clear();
                daemon.handle(this, type, reqId, txId, body);
            }
        }
        return !isClosed();
    }

    /** True while a message has been started but not completed (for transports that care). */
    public boolean midMessage() {
        return payload != null || header.position() > 0;
    }

    /** Closes the connection: its watches and transactions go away, the transport is closed. */
    public void close() {
        daemon.disconnect(this);
    }

    public boolean isClosed() {
        return closed;
    }

    /** Messages queued for this client that it has not read. */
    public int pendingMessages() {
        return transport.pendingMessages();
    }

    /** Bytes queued for this client that it has not read. */
    public int pendingBytes() {
        return transport.pendingBytes();
    }

    /**
     * How many unread responses and watch events this client may have before its transport
     * stops reading its requests (Xen's outstanding-requests quota; none for Dom0).
     */
    public int outstandingLimit() {
        return privileged() ? Integer.MAX_VALUE : daemon.quota().maxOutstanding();
    }

    // --- called by the daemon under its lock ---

    void sendLocked(byte[] message) {
        if (!closed) {
            transport.send(message);
        }
    }

    boolean closedLocked() {
        return closed;
    }

    void markClosedLocked() {
        if (!closed) {
            closed = true;
            watches.clear();
            transactions.clear();
            transport.close();
        }
    }

    @Override
    public String toString() {
        return "XsConnection[domid=" + domid + "]";
    }

    /** A registered watch; {@code relative} if the client named it relative to its home. */
    record Watch(String path, String token, boolean relative) {
    }
}
