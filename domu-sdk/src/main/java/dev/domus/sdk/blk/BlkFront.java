package dev.domus.sdk.blk;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.Domu;
import dev.domus.sdk.XenException;
import dev.domus.sdk.event.EventChannels;
import dev.domus.sdk.grant.GrantTable;
import dev.domus.sdk.ring.FrontRing;
import dev.domus.sdk.xenstore.XenStore;

/**
 * blkfront: a virtual disk served by Dom0's blkback over a {@code blkif} ring, used through a
 * plain block-device API in 512-byte sectors ({@link #read}, {@link #write}, {@link #flush}).
 *
 * <p>Connecting follows the xenbus handshake of {@code io/blkif.h}: the front end allocates
 * the ring page and an unbound event channel for the backend, grants the ring and its data
 * pages, writes {@code ring-ref}, {@code event-channel}, {@code protocol} and
 * {@code state = Initialised} in one transaction, waits for the backend to reach
 * {@code Connected}, reads {@code sectors}, {@code sector-size}, {@code info} and
 * {@code feature-flush-cache}, and goes {@code Connected} itself. Data moves through eleven
 * granted bounce pages (one request carries at most 44 KiB). Requests are synchronous: the
 * vCPU blocks on the event channel until the response arrives, or fails with
 * {@code XEN_ETIMEDOUT} if the backend never answers. The backend judges sector ranges: an
 * access past the end fails with {@code XEN_EIO} ("backend answered BLKIF_RSP_ERROR ...
 * beyond the disk's N sectors"), after the requests of the same call that were in range
 * have been served, as on a real disk.
 */
public final class BlkFront {

    /** Bytes per blkif sector. */
    public static final int SECTOR = 512;
    private static final int SECTORS_PER_PAGE = Xen.PAGE_SIZE / SECTOR;
    private static final int VDISK_READONLY = 4;

    private final Domu domu;
    private final String id;
    private final String front;
    private final XenStore xs;
    private final EventChannels events;
    private final GuestMemory memory;
    private final long ringPfn;
    private final long dataPfn;
    private final int[] dataRefs = new int[BLKIF_MAX_SEGMENTS_PER_REQUEST];
    private String backend;
    private int backendId;
    private FrontRing ring;
    private int ringRef = -1;
    private int port = -1;
    private long sectors;
    private int sectorSize;
    private boolean readOnly;
    private boolean flushSupported;
    private boolean connected;
    private long nextId = 1;
    private long timeoutNs = 30_000_000_000L;

    private BlkFront(Domu domu, String id) {
        this.domu = domu;
        this.id = id;
        this.front = "device/vbd/" + id;
        this.xs = domu.xenstore();
        this.events = domu.events();
        this.memory = domu.memory();
        this.ringPfn = domu.pagesFor("sdk.blk." + id + ".ring", 1);
        this.dataPfn = domu.pagesFor("sdk.blk." + id + ".data", BLKIF_MAX_SEGMENTS_PER_REQUEST);
    }

    /** Connects to the disk whose xenstore device id is {@code id}. */
    public static BlkFront connect(Domu domu, String id) {
        BlkFront b = new BlkFront(domu, id);
        b.reconnect();
        return b;
    }

    /** Runs the xenbus handshake (again, after a suspend or on resume). */
    public void reconnect() {
        backend = xs.read(front + "/backend");
        backendId = Integer.parseInt(xs.read(front + "/backend-id").trim());
        GrantTable grants = domu.grants();
        ring = new FrontRing(memory, ringPfn << Xen.PAGE_SHIFT, Xen.PAGE_SIZE, BLKIF_REQUEST_LENGTH, true);
        ringRef = grants.grantAccess(backendId, ringPfn, false);
        for (int i = 0; i < dataRefs.length; i++) {
            dataRefs[i] = grants.grantAccess(backendId, dataPfn + i, false);
        }
        port = events.allocUnbound(backendId);
        xs.transaction(tx -> {
            xs.write(tx, front + "/ring-ref", Integer.toString(ringRef));
            xs.write(tx, front + "/event-channel", Integer.toString(port));
            xs.write(tx, front + "/protocol", "x86_64-abi");
            xs.write(tx, front + "/state", Integer.toString(XenbusStateInitialised));
            return null;
        });
        long deadline = domu.now() + timeoutNs;
        while (true) {
            int state = parseInt(xs.readOr(backend + "/state", "0"));
            if (state == XenbusStateConnected) {
                break;
            }
            if (state == XenbusStateClosing || state == XenbusStateClosed) {
                throw new XenException(XenErrno.XEN_ENODEV, "blkfront " + id, "backend " + backend + " closed during the handshake");
            }
            if (domu.now() >= deadline) {
                throw new XenException(XenErrno.XEN_ETIMEDOUT, "blkfront " + id,
                        "backend " + backend + " did not reach Connected (state " + state + ")");
            }
            events.waitForAny(Math.min(deadline, domu.now() + 10_000_000L));
        }
        sectors = Long.parseLong(xs.read(backend + "/sectors").trim());
        sectorSize = parseInt(xs.readOr(backend + "/sector-size", "512"));
        readOnly = (parseInt(xs.readOr(backend + "/info", "0")) & VDISK_READONLY) != 0
                || "r".equals(xs.readOr(backend + "/mode", "w"));
        flushSupported = "1".equals(xs.readOr(backend + "/feature-flush-cache", "0"));
        xs.write(front + "/state", Integer.toString(XenbusStateConnected));
        connected = true;
    }

    /** Closes the device: state Closed, grants revoked, port closed. {@link #reconnect()} reopens it. */
    public void disconnect() {
        if (!connected) {
            return;
        }
        connected = false;
        xs.write(front + "/state", Integer.toString(XenbusStateClosed));
        GrantTable grants = domu.grants();
        events.close(port);
        revokeQuietly(grants, ringRef);
        for (int ref : dataRefs) {
            revokeQuietly(grants, ref);
        }
    }

    private static void revokeQuietly(GrantTable grants, int ref) {
        try {
            grants.revoke(ref);
        } catch (XenException busy) {
            // the backend still holds it; it ends with the backend's own teardown
        }
    }

    /** Capacity in 512-byte sectors. */
    public long sectors() {
        return sectors;
    }

    public int sectorSize() {
        return sectorSize;
    }

    public boolean readOnly() {
        return readOnly;
    }

    public boolean flushSupported() {
        return flushSupported;
    }

    /** Reads {@code count} sectors from {@code sector} into {@code buf[off..]}. */
    public void read(long sector, byte[] buf, int off, int count) {
        transfer(BLKIF_OP_READ, sector, buf, off, count);
    }

    /** Writes {@code count} sectors of {@code buf[off..]} at {@code sector}. */
    public void write(long sector, byte[] buf, int off, int count) {
        if (readOnly) {
            throw new XenException(XenErrno.XEN_EROFS, "blkfront " + id + " write", "the disk is attached read-only");
        }
        transfer(BLKIF_OP_WRITE, sector, buf, off, count);
    }

    /** Flushes the backend's cache to stable storage (BLKIF_OP_FLUSH_DISKCACHE). */
    public void flush() {
        if (!flushSupported) {
            throw new XenException(XenErrno.XEN_EOPNOTSUPP, "blkfront " + id + " flush", "the backend has no feature-flush-cache");
        }
        long req = begin("flush");
        memory.putByte(req + BLKIF_REQUEST_OPERATION_OFFSET, (byte) BLKIF_OP_FLUSH_DISKCACHE);
        memory.putByte(req + BLKIF_REQUEST_NR_SEGMENTS_OFFSET, (byte) 0);
        memory.putLong(req + BLKIF_REQUEST_SECTOR_NUMBER_OFFSET, 0);
        finish(req, "flush", "");
    }

    private void transfer(int op, long sector, byte[] buf, int off, int count) {
        String what = (op == BLKIF_OP_READ ? "read" : "write") + " of " + count + " sectors at " + sector;
        if (count < 0 || sector < 0) {
            throw new XenException(XenErrno.XEN_EINVAL, "blkfront " + id + " " + what, "negative sector or count");
        }
        // The range is blkback's to judge (it knows the disk): past the end it answers
        // BLKIF_RSP_ERROR, which the error message below names.
        if (off < 0 || (long) off + (long) count * SECTOR > buf.length) {
            throw new XenException(XenErrno.XEN_EINVAL, "blkfront " + id + " " + what, "buffer too small");
        }
        int maxPerRequest = BLKIF_MAX_SEGMENTS_PER_REQUEST * SECTORS_PER_PAGE;
        while (count > 0) {
            int n = Math.min(count, maxPerRequest);
            int segs = (n + SECTORS_PER_PAGE - 1) / SECTORS_PER_PAGE;
            long data = dataPfn << Xen.PAGE_SHIFT;
            if (op == BLKIF_OP_WRITE) {
                memory.putBytes(data, buf, off, n * SECTOR);
            }
            long req = begin(what);
            memory.putByte(req + BLKIF_REQUEST_OPERATION_OFFSET, (byte) op);
            memory.putByte(req + BLKIF_REQUEST_NR_SEGMENTS_OFFSET, (byte) segs);
            memory.putLong(req + BLKIF_REQUEST_SECTOR_NUMBER_OFFSET, sector);
            for (int s = 0; s < segs; s++) {
                long seg = req + BLKIF_REQUEST_SEG_OFFSET + (long) s * BLKIF_REQUEST_SEGMENT_LENGTH;
                int inSeg = Math.min(SECTORS_PER_PAGE, n - s * SECTORS_PER_PAGE);
                memory.putInt(seg + BLKIF_REQUEST_SEGMENT_GREF_OFFSET, dataRefs[s]);
                memory.putByte(seg + BLKIF_REQUEST_SEGMENT_FIRST_SECT_OFFSET, (byte) 0);
                memory.putByte(seg + BLKIF_REQUEST_SEGMENT_LAST_SECT_OFFSET, (byte) (inSeg - 1));
                memory.putShort(seg + 6, (short) 0);
            }
            finish(req, what, sector + n > sectors ? " (sectors " + sector + ".." + (sector + n - 1)
                    + " are beyond the disk's " + sectors + ")" : "");
            if (op == BLKIF_OP_READ) {
                memory.getBytes(data, buf, off, n * SECTOR);
            }
            sector += n;
            off += n * SECTOR;
            count -= n;
        }
    }

    private long begin(String what) {
        if (!connected) {
            throw new XenException(XenErrno.XEN_ENOTCONN, "blkfront " + id + " " + what, "the disk is disconnected");
        }
        long req = ring.nextRequest();
        memory.setMemory(req, BLKIF_REQUEST_LENGTH, (byte) 0);
        memory.putShort(req + BLKIF_REQUEST_HANDLE_OFFSET, (short) parseInt(id));
        memory.putLong(req + BLKIF_REQUEST_ID_OFFSET, nextId++);
        return req;
    }

    /** Posts the request and waits for its answer; {@code hint} is added to an error's message. */
    private void finish(long req, String what, String hint) {
        long reqId = memory.getLong(req + BLKIF_REQUEST_ID_OFFSET);
        if (ring.pushRequests()) {
            events.send(port);
        }
        long deadline = domu.now() + timeoutNs;
        while (true) {
            if (ring.hasUnconsumedResponses()) {
                long rsp = ring.response();
                long rid = memory.getLong(rsp + BLKIF_RESPONSE_ID_OFFSET);
                int status = memory.getShort(rsp + BLKIF_RESPONSE_STATUS_OFFSET);
                ring.consumeResponse();
                if (rid != reqId) {
                    continue; // stale answer to a request abandoned by an earlier timeout
                }
                if (status == BLKIF_RSP_OKAY) {
                    return;
                }
                throw new XenException(status == BLKIF_RSP_EOPNOTSUPP ? XenErrno.XEN_EOPNOTSUPP : XenErrno.XEN_EIO,
                        "blkfront " + id + " " + what,
                        (status == BLKIF_RSP_EOPNOTSUPP ? "backend answered BLKIF_RSP_EOPNOTSUPP"
                                : "backend answered BLKIF_RSP_ERROR") + hint);
            }
            if (ring.finalCheckForResponses()) {
                continue;
            }
            if (!events.waitFor(port, deadline)) {
                throw new XenException(XenErrno.XEN_ETIMEDOUT, "blkfront " + id + " " + what, "blkback did not answer");
            }
        }
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
