package dev.domus.sdk.xenstore;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenErrors;
import dev.domus.sdk.XenException;
import dev.domus.sdk.event.EventChannels;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A xenstore client over the guest's {@code xenstore_domain_interface} ring page (named by
 * start_info's {@code store_mfn} and {@code store_evtchn}), speaking {@code xs_wire}: a
 * 16-byte {@code xsd_sockmsg} header (type, req_id, tx_id, len) and the payload.
 *
 * <p>Paths without a leading {@code /} are relative to the domain's home,
 * {@code /local/domain/<domid>}. Errors from xenstored ({@code XS_ERROR} "ENOENT", ...) become
 * {@link XenException}s with the matching Xen number. Watch events that arrive between
 * responses are queued; take them with {@link #pollWatch()} or {@link #waitForWatch(long)}.
 * Each request waits at most {@link #timeoutNs(long)} of system time for its answer
 * ({@code XEN_ETIMEDOUT} otherwise: xenstored is not serving this domain).
 *
 * <p>Messages (up to {@code XENSTORE_PAYLOAD_MAX} bytes of payload) may be larger than the
 * 1024-byte rings: requests are written and replies read in pieces, each side advancing its
 * index and notifying the other, as Xen's xenbus does.
 *
 * <p>One vCPU drives the client.
 */
public final class XenStore {

    private static final int RING = XENSTORE_RING_SIZE;
    /**
     * Watch events kept for the kernel to collect ({@link #pollWatch}); later ones are dropped
     * and counted, so a kernel that never collects does not grow without bound (Linux bounds
     * its xenwatch queue the same way since XSA-349).
     */
    public static final int MAX_QUEUED_WATCH_EVENTS = 1024;

    private final GuestMemory memory;
    private final EventChannels events;
    private final long ring;
    private final int port;
    private final ArrayDeque<WatchEvent> watchEvents = new ArrayDeque<>();
    private long droppedWatchEvents;
    private final java.util.HashMap<String, java.util.function.Consumer<WatchEvent>> watchHandlers = new java.util.HashMap<>();
    private final byte[] header = new byte[XSD_SOCKMSG_LENGTH];
    // The response being read: its header so far, then its payload so far.
    private final byte[] inHeader = new byte[XSD_SOCKMSG_LENGTH];
    private int inHeaderFill;
    private byte[] inPayload;
    private int inPayloadFill;
    private int nextReqId = 1;
    private int awaitedReqId;
    private int replyType;
    private byte[] reply;
    private long timeoutNs = 30_000_000_000L;

    public XenStore(EventChannels events, GuestMemory memory, long ringAddress, int port) {
        this.memory = memory;
        this.events = events;
        this.ring = ringAddress;
        this.port = port;
        events.adopt(port);
        events.onEvent(port, p -> pump());
    }

    /** How long one request waits for xenstored (system-time nanoseconds). */
    public void timeoutNs(long nanos) {
        this.timeoutNs = nanos;
    }

    // ------------------------------------------------------------------ operations

    /** XS_READ; throws XEN_ENOENT if the node does not exist. */
    public String read(String path) {
        return read(0, path);
    }

    public String read(long tx, String path) {
        return text(request(XS_READ, tx, path(path), "XS_READ " + path));
    }

    /** XS_READ, or {@code fallback} when the node does not exist. */
    public String readOr(String path, String fallback) {
        try {
            return read(path);
        } catch (XenException e) {
            if (e.errno() == XenErrno.XEN_ENOENT) {
                return fallback;
            }
            throw e;
        }
    }

    /** XS_WRITE (creating the node and its parents). */
    public void write(String path, String value) {
        write(0, path, value);
    }

    public void write(long tx, String path, String value) {
        byte[] p = path(path);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[p.length + v.length];
        copy(p, payload, 0);
        copy(v, payload, p.length);
        request(XS_WRITE, tx, payload, "XS_WRITE " + path);
    }

    public void mkdir(String path) {
        request(XS_MKDIR, 0, path(path), "XS_MKDIR " + path);
    }

    /** XS_RM of a node and its children. */
    public void rm(String path) {
        rm(0, path);
    }

    public void rm(long tx, String path) {
        request(XS_RM, tx, path(path), "XS_RM " + path);
    }

    /** XS_DIRECTORY: the names of the node's children. */
    public List<String> directory(String path) {
        return directory(0, path);
    }

    public List<String> directory(long tx, String path) {
        byte[] r = request(XS_DIRECTORY, tx, path(path), "XS_DIRECTORY " + path);
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < r.length; i++) {
            if (r[i] == 0) {
                if (i > start) {
                    names.add(new String(r, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        if (start < r.length) {
            names.add(new String(r, start, r.length - start, StandardCharsets.UTF_8));
        }
        return names;
    }

    /**
     * XS_SET_PERMS: {@code perms} in xenstore's form, owner first: {@code "n0"} (owner 0, others
     * none), then grants such as {@code "r5"} (domain 5 may read) or {@code "b7"} (read and write).
     */
    public void setPermissions(String path, String... perms) {
        int size = path(path).length;
        byte[][] parts = new byte[perms.length][];
        for (int i = 0; i < perms.length; i++) {
            parts[i] = path(perms[i]);
            size += parts[i].length;
        }
        byte[] payload = new byte[size];
        byte[] p = path(path);
        copy(p, payload, 0);
        int at = p.length;
        for (byte[] part : parts) {
            copy(part, payload, at);
            at += part.length;
        }
        request(XS_SET_PERMS, 0, payload, "XS_SET_PERMS " + path);
    }

    /** XS_GET_DOMAIN_PATH of {@code domid}, e.g. {@code /local/domain/3}. */
    public String domainPath(int domid) {
        return text(request(XS_GET_DOMAIN_PATH, 0, path(Integer.toString(domid)), "XS_GET_DOMAIN_PATH " + domid));
    }

    /** XS_WATCH: events for {@code path} (and below) will carry {@code token}. Xenstored fires once at once. */
    public void watch(String path, String token) {
        request(XS_WATCH, 0, twoStrings(path, token), "XS_WATCH " + path);
    }

    public void unwatch(String path, String token) {
        request(XS_UNWATCH, 0, twoStrings(path, token), "XS_UNWATCH " + path);
    }

    /**
     * Routes events of watches registered with {@code token} to {@code handler} (called from
     * inside the client, so it should only note the event; act on it at a clean point) instead
     * of the queue.
     */
    public void onWatch(String token, java.util.function.Consumer<WatchEvent> handler) {
        watchHandlers.put(token, handler);
    }

    /**
     * Reads what the response ring holds without waiting: events of watches with a handler
     * ({@link #onWatch}) go to it, others join the queue (nothing is taken from the queue).
     */
    public void poll() {
        pump();
    }

    /** Watch events dropped because {@link #MAX_QUEUED_WATCH_EVENTS} were waiting to be collected. */
    public long droppedWatchEvents() {
        return droppedWatchEvents;
    }

    /** A queued watch event, or null (never blocks; reads what the ring holds first). */
    public WatchEvent pollWatch() {
        pump();
        return watchEvents.poll();
    }

    /** Waits for a watch event until system time {@code deadlineNs} (0: forever); null on timeout. */
    public WatchEvent waitForWatch(long deadlineNs) {
        while (true) {
            pump();
            WatchEvent e = watchEvents.poll();
            if (e != null) {
                return e;
            }
            if (!events.waitFor(port, deadlineNs)) {
                pump();
                return watchEvents.poll(); // null unless it came with the deadline
            }
        }
    }

    // ------------------------------------------------------------------ without waiting

    /**
     * Posts XS_WRITE without waiting for xenstored's answer (its reply, or error, is dropped):
     * for status values a guest publishes often. Never blocks: returns false, posting
     * nothing, when the request ring lacks room for the whole message.
     */
    public boolean writeNoWait(String path, String value) {
        byte[] p = path(path);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[p.length + v.length];
        copy(p, payload, 0);
        copy(v, payload, p.length);
        return postNoWait(XS_WRITE, payload);
    }

    /** Posts XS_WATCH without waiting for the answer (see {@link #writeNoWait}). */
    public boolean watchNoWait(String path, String token) {
        return postNoWait(XS_WATCH, twoStrings(path, token));
    }

    private boolean postNoWait(int type, byte[] payload) {
        if (payload.length > XENSTORE_PAYLOAD_MAX) {
            throw new XenException(XenErrno.XEN_E2BIG, "xenstore post", payload.length + "-byte payload exceeds XENSTORE_PAYLOAD_MAX");
        }
        int cons = memory.getIntVolatile(ring + XENSTORE_DOMAIN_INTERFACE_REQ_CONS_OFFSET);
        int prod = memory.getIntVolatile(ring + XENSTORE_DOMAIN_INTERFACE_REQ_PROD_OFFSET);
        if (RING - (prod - cons) < XSD_SOCKMSG_LENGTH + payload.length) {
            return false;
        }
        putHeader(type, nextReqId++, 0, payload.length);
        send(header, 0, "xenstore post");
        send(payload, 0, "xenstore post");
        return true;
    }

    // ------------------------------------------------------------------ transactions

    /** XS_TRANSACTION_START; returns the transaction id. */
    public long startTransaction() {
        return Long.parseLong(text(request(XS_TRANSACTION_START, 0, new byte[] {0}, "XS_TRANSACTION_START")));
    }

    /**
     * XS_TRANSACTION_END: commits (or aborts) {@code tx}. Returns false when the commit lost a
     * race ({@code EAGAIN}): the caller retries the whole transaction.
     */
    public boolean endTransaction(long tx, boolean commit) {
        try {
            request(XS_TRANSACTION_END, tx, new byte[] {(byte) (commit ? 'T' : 'F'), 0}, "XS_TRANSACTION_END");
            return true;
        } catch (XenException e) {
            if (e.errno() == XenErrno.XEN_EAGAIN && commit) {
                return false;
            }
            throw e;
        }
    }

    /** Runs {@code body} in a transaction, retrying on EAGAIN (up to 100 times). */
    public <T> T transaction(Function<Long, T> body) {
        for (int attempt = 0; attempt < 100; attempt++) {
            long tx = startTransaction();
            T result;
            try {
                result = body.apply(tx);
            } catch (RuntimeException e) {
                endTransaction(tx, false);
                throw e;
            }
            if (endTransaction(tx, true)) {
                return result;
            }
        }
        throw new XenException(XenErrno.XEN_EAGAIN, "xenstore transaction", "100 attempts lost to conflicting writers");
    }

    // ------------------------------------------------------------------ wire

    private byte[] request(int type, long tx, byte[] payload, String what) {
        if (payload.length > XENSTORE_PAYLOAD_MAX) {
            throw new XenException(XenErrno.XEN_E2BIG, what, payload.length + "-byte payload exceeds XENSTORE_PAYLOAD_MAX ("
                    + XENSTORE_PAYLOAD_MAX + ")");
        }
        int reqId = nextReqId++;
        long deadline = events.clock().now() + timeoutNs;
        putHeader(type, reqId, (int) tx, payload.length);
        send(header, deadline, what);
        send(payload, deadline, what);
        awaitedReqId = reqId;
        reply = null;
        try {
            while (true) {
                pump();
                if (reply != null) {
                    break;
                }
                if (!events.waitFor(port, deadline)) {
                    pump(); // a last look: the answer may have come with the deadline
                    if (reply != null) {
                        break;
                    }
                    throw new XenException(XenErrno.XEN_ETIMEDOUT, what, "xenstored did not answer (is it serving this domain?)");
                }
            }
        } finally {
            awaitedReqId = 0;
        }
        byte[] r = reply;
        reply = null;
        if (replyType == XS_ERROR) {
            String err = text(r);
            throw new XenException(XenErrors.fromXenstore(err), what, "xenstored: " + err);
        }
        return r;
    }

    private void putHeader(int type, int reqId, int tx, int len) {
        putInt(header, 0, type);
        putInt(header, 4, reqId);
        putInt(header, 8, tx);
        putInt(header, 12, len);
    }

    private void send(byte[] data, long deadline, String what) {
        int done = 0;
        while (done < data.length) {
            int cons = memory.getIntVolatile(ring + XENSTORE_DOMAIN_INTERFACE_REQ_CONS_OFFSET);
            int prod = memory.getIntVolatile(ring + XENSTORE_DOMAIN_INTERFACE_REQ_PROD_OFFSET);
            int space = RING - (prod - cons);
            if (space < 0 || space > RING) {
                throw new XenException(XenErrno.XEN_EIO, what, "xenstore ring indexes corrupted");
            }
            if (space == 0) {
                events.send(port);
                if (!events.waitFor(port, deadline)) {
                    throw new XenException(XenErrno.XEN_ETIMEDOUT, what, "xenstored is not consuming requests");
                }
                continue;
            }
            int n = Math.min(space, data.length - done);
            for (int i = 0; i < n; i++) {
                memory.putByte(ring + XENSTORE_DOMAIN_INTERFACE_REQ_OFFSET + ((prod + i) & (RING - 1)), data[done + i]);
            }
            memory.putIntOrdered(ring + XENSTORE_DOMAIN_INTERFACE_REQ_PROD_OFFSET, prod + n);
            done += n;
            events.send(port);
        }
    }

    /**
     * Reads what the response ring holds, as Xen's xenbus does: header and payload are taken
     * in whatever pieces xenstored has written so far (a message may be larger than the
     * ring), {@code rsp_cons} advances past every byte taken and xenstored is notified so it
     * can write the rest. Each completed message is handled: watch events go to their handler
     * or the queue, the awaited reply is kept.
     */
    private void pump() {
        boolean consumed = false;
        try {
            while (true) {
                int cons = memory.getIntVolatile(ring + XENSTORE_DOMAIN_INTERFACE_RSP_CONS_OFFSET);
                int prod = memory.getIntVolatile(ring + XENSTORE_DOMAIN_INTERFACE_RSP_PROD_OFFSET);
                int avail = prod - cons;
                if (avail < 0 || avail > RING) {
                    throw new XenException(XenErrno.XEN_EIO, "xenstore response", "ring indexes corrupted (prod "
                            + prod + ", cons " + cons + ")");
                }
                if (avail == 0) {
                    return;
                }
                int taken;
                if (inPayload == null) {
                    taken = Math.min(avail, XSD_SOCKMSG_LENGTH - inHeaderFill);
                    for (int i = 0; i < taken; i++) {
                        inHeader[inHeaderFill + i] = rspByte(cons + i);
                    }
                    inHeaderFill += taken;
                    if (inHeaderFill == XSD_SOCKMSG_LENGTH) {
                        int len = getInt(inHeader, 12);
                        if (len < 0 || len > XENSTORE_PAYLOAD_MAX) {
                            throw new XenException(XenErrno.XEN_EIO, "xenstore response", "bad payload length " + len);
                        }
                        inPayload = new byte[len];
                        inPayloadFill = 0;
                    }
                } else {
                    taken = Math.min(avail, inPayload.length - inPayloadFill);
                    for (int i = 0; i < taken; i++) {
                        inPayload[inPayloadFill + i] = rspByte(cons + i);
                    }
                    inPayloadFill += taken;
                }
                // The bytes are copied out: give the space back before handling anything.
                memory.putIntOrdered(ring + XENSTORE_DOMAIN_INTERFACE_RSP_CONS_OFFSET, cons + taken);
                consumed = true;
                if (inPayload != null && inPayloadFill == inPayload.length) {
                    byte[] payload = inPayload;
                    inPayload = null;
                    inHeaderFill = 0;
                    handle(getInt(inHeader, 0), getInt(inHeader, 4), payload);
                }
            }
        } finally {
            if (consumed) {
                events.send(port); // xenstored may be waiting for room to write the rest
            }
        }
    }

    private void handle(int type, int reqId, byte[] payload) {
        int len = payload.length;
        if (type == XS_WATCH_EVENT) {
            int nul = 0;
            while (nul < len && payload[nul] != 0) {
                nul++;
            }
            String path = new String(payload, 0, nul, StandardCharsets.UTF_8);
            String token = nul + 1 <= len ? text(slice(payload, nul + 1)) : "";
            WatchEvent event = new WatchEvent(path, token);
            java.util.function.Consumer<WatchEvent> handler = watchHandlers.get(token);
            if (handler != null) {
                handler.accept(event);
            } else if (watchEvents.size() < MAX_QUEUED_WATCH_EVENTS) {
                watchEvents.add(event);
            } else {
                droppedWatchEvents++;
            }
        } else if (reqId == awaitedReqId && awaitedReqId != 0) {
            replyType = type;
            reply = payload;
        }
        // a reply to a request nobody awaits any more (timed out, or posted without waiting) is dropped
    }

    private byte rspByte(int idx) {
        return memory.getByte(ring + XENSTORE_DOMAIN_INTERFACE_RSP_OFFSET + (idx & (RING - 1)));
    }

    // ------------------------------------------------------------------ bytes

    private static byte[] path(String path) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[p.length + 1];
        copy(p, b, 0);
        return b;
    }

    private static byte[] twoStrings(String a, String b) {
        byte[] pa = path(a);
        byte[] pb = path(b);
        byte[] r = new byte[pa.length + pb.length];
        copy(pa, r, 0);
        copy(pb, r, pa.length);
        return r;
    }

    private static String text(byte[] b) {
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) {
            n--;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private static byte[] slice(byte[] b, int from) {
        byte[] r = new byte[b.length - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = b[from + i];
        }
        return r;
    }

    private static void copy(byte[] src, byte[] dst, int at) {
        for (int i = 0; i < src.length; i++) {
            dst[at + i] = src[i];
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
