package dev.domus.dom0.blk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import dev.domus.abi.Blkif;
import dev.domus.abi.GrantTableOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.Xen;
import dev.domus.abi.flyweight.BlkifRequestFlyweight;
import dev.domus.abi.flyweight.BlkifRequestSegmentFlyweight;
import dev.domus.abi.flyweight.BlkifResponseFlyweight;
import dev.domus.abi.flyweight.BlkifSringFlyweight;
import dev.domus.abi.flyweight.GnttabCopyFlyweight;
import dev.domus.dom0.xenstore.ring.Dom0Calls;

/**
 * The back end of one {@code blkif} ring ({@code io/blkif.h}, {@code io/ring.h}): the shared
 * ring page granted by the front end and mapped into Dom0, a file, and a bounce page of
 * Dom0's. Each request is copied out of the ring once, checked, and served with
 * {@code GNTTABOP_copy} between the guest's granted pages and the bounce page (never a
 * mapping of guest data pages): reads {@code pread} into the bounce page and copy to the
 * guest, writes copy from the guest and {@code pwrite}; {@code BLKIF_OP_FLUSH_DISKCACHE} and
 * {@code WRITE_BARRIER} {@code fsync}. A read-only disk answers writes with
 * {@code BLKIF_RSP_ERROR}; a bad request (segment count, sector range, a grant the guest does
 * not hold) gets {@code BLKIF_RSP_ERROR} and the ring goes on.
 */
final class BlkRing {

    private static final int SECTOR = 512;
    private static final int SECTORS_PER_PAGE = Xen.PAGE_SIZE / SECTOR;

    private final GuestMemory mem;
    private final HypercallGate gate;
    private final Dom0Calls calls;
    private final long sring;
    private final long bounce;
    private final long copyOp;
    private final int frontDomid;
    private final int port;
    private final FileChannel file;
    private final boolean writable;
    private final long sectors;
    private final byte[] page = new byte[Xen.PAGE_SIZE];
    private final byte[] req = new byte[BlkifRequestFlyweight.LENGTH];
    private final BlkCounters counters;
    /** Bytes the request being served moved so far. */
    private long served;
    private int reqCons;
    private int rspProdPvt;

    /**
     * @param sring  Dom0 address where the front end's ring page is mapped
     * @param bounce a Dom0 page for data
     * @param copyOp Dom0 scratch for one gnttab_copy struct
     */
    BlkRing(GuestMemory mem, HypercallGate gate, Dom0Calls calls, long sring, long bounce, long copyOp,
            int frontDomid, int port, FileChannel file, boolean writable, long sectors, BlkCounters counters) {
        this.counters = counters;
        this.mem = mem;
        this.gate = gate;
        this.calls = calls;
        this.sring = sring;
        this.bounce = bounce;
        this.copyOp = copyOp;
        this.frontDomid = frontDomid;
        this.port = port;
        this.file = file;
        this.writable = writable;
        this.sectors = sectors;
    }

    /** Serves every posted request (the event handler), as RING_FINAL_CHECK_FOR_REQUESTS does. */
    void drain() {
        boolean notify = false;
        while (true) {
            int prod = mem.getIntVolatile(sring + BlkifSringFlyweight.REQ_PROD_OFFSET);
            if (prod - reqCons > Blkif.BLK_RING_SIZE || prod - reqCons < 0) {
                throw new IllegalStateException("blkif ring of domain " + frontDomid + " is corrupt: req_prod "
                        + prod + ", req_cons " + reqCons);
            }
            while (reqCons != prod) {
                long slot = sring + BlkifSringFlyweight.RING_OFFSET
                        + (long) (reqCons & (Blkif.BLK_RING_SIZE - 1)) * BlkifSringFlyweight.ENTRY_SIZE;
                mem.getBytes(slot, req, 0, req.length); // one copy; act only on it
                reqCons++;
                served = 0;
                int status = serve();
                counters.record(op(), status, served);
                respond(status);
                notify |= pushResponses();
            }
            // Ask for an event on the next request, then look once more (no lost wake-up).
            mem.putIntVolatile(sring + BlkifSringFlyweight.REQ_EVENT_OFFSET, reqCons + 1);
            if (mem.getIntVolatile(sring + BlkifSringFlyweight.REQ_PROD_OFFSET) == reqCons) {
                break;
            }
        }
        if (notify) {
            calls.send(port);
        }
    }

    private int op() {
        return req[BlkifRequestFlyweight.OPERATION_OFFSET] & 0xff;
    }

    private long id() {
        return ByteBuffer.wrap(req).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(BlkifRequestFlyweight.ID_OFFSET);
    }

    private int serve() {
        ByteBuffer r = ByteBuffer.wrap(req).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int op = op();
        try {
            switch (op) {
                case Blkif.BLKIF_OP_READ, Blkif.BLKIF_OP_WRITE -> {
                    if (op == Blkif.BLKIF_OP_WRITE && !writable) {
                        return Blkif.BLKIF_RSP_ERROR;
                    }
                    int n = req[BlkifRequestFlyweight.NR_SEGMENTS_OFFSET] & 0xff;
                    if (n < 1 || n > Blkif.BLKIF_MAX_SEGMENTS_PER_REQUEST) {
                        return Blkif.BLKIF_RSP_ERROR;
                    }
                    long sector = r.getLong(BlkifRequestFlyweight.SECTOR_NUMBER_OFFSET);
                    for (int i = 0; i < n; i++) {
                        int s = BlkifRequestFlyweight.SEG_OFFSET + i * BlkifRequestSegmentFlyweight.LENGTH;
                        int gref = r.getInt(s + BlkifRequestSegmentFlyweight.GREF_OFFSET);
                        int first = req[s + BlkifRequestSegmentFlyweight.FIRST_SECT_OFFSET] & 0xff;
                        int last = req[s + BlkifRequestSegmentFlyweight.LAST_SECT_OFFSET] & 0xff;
                        if (first > last || last >= SECTORS_PER_PAGE) {
                            return Blkif.BLKIF_RSP_ERROR;
                        }
                        int count = last - first + 1;
                        if (sector < 0 || sector + count > sectors) {
                            return Blkif.BLKIF_RSP_ERROR;
                        }
                        int len = count * SECTOR;
                        int off = first * SECTOR;
                        if (op == Blkif.BLKIF_OP_READ) {
                            readFully(sector * SECTOR, len);
                            mem.putBytes(bounce, page, 0, len);
                            if (!copy(false, gref, off, len)) {
                                return Blkif.BLKIF_RSP_ERROR;
                            }
                        } else {
                            if (!copy(true, gref, off, len)) {
                                return Blkif.BLKIF_RSP_ERROR;
                            }
                            mem.getBytes(bounce, page, 0, len);
                            writeFully(sector * SECTOR, len);
                        }
                        sector += count;
                        served += len;
                    }
                    return Blkif.BLKIF_RSP_OKAY;
                }
                case Blkif.BLKIF_OP_FLUSH_DISKCACHE, Blkif.BLKIF_OP_WRITE_BARRIER -> {
                    file.force(true);
                    return Blkif.BLKIF_RSP_OKAY;
                }
                default -> {
                    return Blkif.BLKIF_RSP_EOPNOTSUPP;
                }
            }
        } catch (IOException e) {
            return Blkif.BLKIF_RSP_ERROR;
        }
    }

    /** One GNTTABOP_copy between the guest's grant and Dom0's bounce page; true on GNTST_okay. */
    private boolean copy(boolean fromGuest, int gref, int guestOffset, int len) {
        mem.setMemory(copyOp, GnttabCopyFlyweight.LENGTH, (byte) 0);
        long guestSide = fromGuest ? GnttabCopyFlyweight.SOURCE_OFFSET : GnttabCopyFlyweight.DEST_OFFSET;
        long dom0Side = fromGuest ? GnttabCopyFlyweight.DEST_OFFSET : GnttabCopyFlyweight.SOURCE_OFFSET;
        // gnttab_copy_ptr: u (8 bytes) @0, domid @8, offset @10 within each side
        mem.putInt(copyOp + guestSide, gref);
        mem.putShort(copyOp + guestSide + 8, (short) frontDomid);
        mem.putShort(copyOp + guestSide + 10, (short) guestOffset);
        mem.putLong(copyOp + dom0Side, bounce >>> Xen.PAGE_SHIFT);
        mem.putShort(copyOp + dom0Side + 8, (short) Xen.DOMID_SELF);
        mem.putShort(copyOp + dom0Side + 10, (short) 0);
        mem.putShort(copyOp + GnttabCopyFlyweight.LEN_OFFSET, (short) len);
        mem.putShort(copyOp + GnttabCopyFlyweight.FLAGS_OFFSET,
                (short) (fromGuest ? GrantTableOp.GNTCOPY_source_gref : GrantTableOp.GNTCOPY_dest_gref));
        long rc = gate.call(Hypercalls.__HYPERVISOR_grant_table_op, GrantTableOp.GNTTABOP_copy, copyOp, 1);
        return rc == 0 && mem.getShort(copyOp + GnttabCopyFlyweight.STATUS_OFFSET) == GrantTableOp.GNTST_okay;
    }

    private void readFully(long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(page, 0, len);
        while (b.hasRemaining()) {
            int n = file.read(b, pos + b.position());
            if (n < 0) {
                java.util.Arrays.fill(page, b.position(), len, (byte) 0); // past EOF reads as zeros
                return;
            }
        }
    }

    private void writeFully(long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(page, 0, len);
        while (b.hasRemaining()) {
            file.write(b, pos + b.position());
        }
    }

    private void respond(int status) {
        long slot = sring + BlkifSringFlyweight.RING_OFFSET
                + (long) (rspProdPvt & (Blkif.BLK_RING_SIZE - 1)) * BlkifSringFlyweight.ENTRY_SIZE;
        long id = id();
        int op = op();
        mem.putLong(slot + BlkifResponseFlyweight.ID_OFFSET, id);
        mem.putByte(slot + BlkifResponseFlyweight.OPERATION_OFFSET, (byte) op);
        mem.putShort(slot + BlkifResponseFlyweight.STATUS_OFFSET, (short) status);
        rspProdPvt++;
    }

    /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publish, then notify if the front end asked to be. */
    private boolean pushResponses() {
        int old = mem.getIntVolatile(sring + BlkifSringFlyweight.RSP_PROD_OFFSET);
        int now = rspProdPvt;
        mem.putIntVolatile(sring + BlkifSringFlyweight.RSP_PROD_OFFSET, now); // a full barrier, as xen_mb()
        int event = mem.getIntVolatile(sring + BlkifSringFlyweight.RSP_EVENT_OFFSET);
        return Integer.compareUnsigned(now - event, now - old) < 0;
    }
}
