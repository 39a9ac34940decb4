package dev.domus.dom0.save;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.domus.abi.DomusMemoryOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.Xen;
import dev.domus.hv.boot.Dom0;

/**
 * Dom0's window on another domain's pages, as libxc's {@code xc_map_foreign_bulk}: a batch
 * of the guest's PFNs is mapped into Dom0's foreign slots with {@code XENMEM_add_to_physmap_batch}
 * ({@code XENMAPSPACE_gmfn_foreign}), read or written through Dom0's own memory, and unmapped
 * with {@code XENMEM_remove_from_physmap}. A caller that maps batch after batch need not
 * {@link #unmapAll()} between them: {@link #map} replaces the pages still mapped in its slots
 * within its one hypercall (as Xen's {@code p2m_add_foreign} removes a previous foreign page),
 * instead of one {@code remove_from_physmap} per page; {@code unmapAll} or {@link #close()}
 * removes the last ones. Pages left mapped hold their frames, so the pager and the sharing scan
 * pass over them until then. One instance per save or restore; not thread-safe.
 */
public final class GuestPageIo implements AutoCloseable {

    /** PFNs per mapping batch. */
    public static final int BATCH = 256;
    private static final int PAGE = Xen.PAGE_SIZE;
    private static final int SCRATCH_PAGES = 2;

    private final Dom0 dom0;
    private final HypercallGate gate;
    private final GuestMemory mem;
    private final long scratch;
    private final long idx;
    private final long gpfn;
    private final long errs;
    private final long slots;
    private final boolean[] mapped = new boolean[BATCH];
    /** The idxs array as it goes into Dom0's memory (one bulk copy per batch), then the errs read back. */
    private final byte[] stage = new byte[8 * BATCH];
    private final ByteBuffer staged = ByteBuffer.wrap(stage).order(ByteOrder.LITTLE_ENDIAN);
    private int domid;

    public GuestPageIo(Dom0 dom0) {
        this.dom0 = dom0;
        this.gate = dom0.gate();
        this.mem = dom0.memory();
        this.scratch = dom0.pages().allocate(SCRATCH_PAGES);
        this.idx = scratch + 64;
        this.gpfn = idx + 8L * BATCH;
        this.errs = gpfn + 8L * BATCH;
        long s;
        try {
            s = dom0.pages().allocateSlots(BATCH);
        } catch (RuntimeException e) {
            dom0.pages().free(scratch, SCRATCH_PAGES);
            throw e;
        }
        this.slots = s;
        for (int i = 0; i < BATCH; i++) {
            staged.putLong(8 * i, slots + i); // the gpfns array never changes: slot i is slots + i
        }
        mem.putBytes(gpfn, stage, 0, 8 * BATCH);
    }

    /**
     * Maps {@code n} PFNs of {@code domid} into slots {@code 0..n-1} (replacing what they held);
     * returns the number mapped and leaves each one's Xen error (0 = mapped, e.g.
     * {@code -XEN_EINVAL} for a ballooned page) in {@code err}. A negative return is the whole
     * call's error.
     */
    public long map(int domid, long[] pfns, int n, int[] err) {
        return map(domid, pfns, n, err, MemoryOp.XENMAPSPACE_gmfn_foreign);
    }

    /**
     * As {@link #map}, read-only ({@code XENMAPSPACE_domus_gmfn_foreign_ro}): reading a page
     * this way does not mark it dirty, so a save or a migration round leaves log-dirty to the
     * guest's own writes.
     */
    public long mapReadOnly(int domid, long[] pfns, int n, int[] err) {
        return map(domid, pfns, n, err, DomusMemoryOp.XENMAPSPACE_domus_gmfn_foreign_ro);
    }

    private long map(int domid, long[] pfns, int n, int[] err, int space) {
        if (n > BATCH) {
            throw new IllegalArgumentException(n + " > " + BATCH);
        }
        this.domid = domid;
        mem.setMemory(scratch, 32, (byte) 0);
        mem.putShort(scratch, (short) Xen.DOMID_SELF);
        mem.putShort(scratch + 2, (short) space);
        mem.putShort(scratch + 4, (short) n);
        mem.putShort(scratch + 6, (short) domid);
        mem.putLong(scratch + 8, idx);
        mem.putLong(scratch + 16, gpfn);
        mem.putLong(scratch + 24, errs);
        for (int i = 0; i < n; i++) {
            staged.putLong(8 * i, pfns[i]);
        }
        mem.putBytes(idx, stage, 0, 8 * n);
        long rc = gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap_batch, scratch);
        if (rc < 0) {
            return rc;
        }
        mem.getBytes(errs, stage, 0, 4 * n);
        int ok = 0;
        for (int i = 0; i < n; i++) {
            err[i] = staged.getInt(4 * i);
            if (err[i] == 0) {
                mapped[i] = true;
                ok++;
            }
            // a slot whose new map failed may still hold its previous page: mapped stays as it was
        }
        return ok;
    }


    /** Copies mapped slot {@code i} into {@code dst[off..off+4096)}. */
    public void read(int i, byte[] dst, int off) {
        mem.getBytes((slots + i) << Xen.PAGE_SHIFT, dst, off, PAGE);
    }

    /** Copies {@code src[off..off+4096)} into mapped slot {@code i}. */
    public void write(int i, byte[] src, int off) {
        mem.putBytes((slots + i) << Xen.PAGE_SHIFT, src, off, PAGE);
    }

    /** Zeroes mapped slot {@code i}. */
    public void zero(int i) {
        mem.setMemory((slots + i) << Xen.PAGE_SHIFT, PAGE, (byte) 0);
    }

    /** Unmaps every mapped slot. */
    public void unmapAll() {
        for (int i = 0; i < BATCH; i++) {
            if (mapped[i]) {
                mapped[i] = false;
                mem.setMemory(scratch, 16, (byte) 0);
                mem.putShort(scratch, (short) Xen.DOMID_SELF);
                mem.putLong(scratch + 8, slots + i);
                gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_remove_from_physmap, scratch);
            }
        }
    }

    /** XENMEM_decrease_reservation of one PFN of {@code domid} (a page the image records as absent). */
    public long release(int domid, long pfn) {
        mem.putLong(idx, pfn);
        return reservationOp(MemoryOp.XENMEM_decrease_reservation, domid, 1);
    }

    /**
     * XENMEM_decrease_reservation of {@code pfns[from..to)} of {@code domid} in one call (at most
     * {@link #BATCH}): returns how many were given back, in order; it stops at the first PFN
     * that holds no page.
     */
    public long release(int domid, long[] pfns, int from, int to) {
        int n = to - from;
        if (n < 0 || n > BATCH) {
            throw new IllegalArgumentException(n + " PFNs (at most " + BATCH + ")");
        }
        for (int i = 0; i < n; i++) {
            mem.putLong(idx + 8L * i, pfns[from + i]);
        }
        return reservationOp(MemoryOp.XENMEM_decrease_reservation, domid, n);
    }

    /** struct xen_memory_reservation: extent_start @0 (the idx array), nr_extents @8, domid @24. */
    private long reservationOp(int op, int domid, int extents) {
        mem.setMemory(scratch, 32, (byte) 0);
        mem.putLong(scratch, idx);
        mem.putLong(scratch + 8, extents);
        mem.putShort(scratch + 24, (short) domid);
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, op, scratch);
    }

    /** XENMEM_populate_physmap of one PFN of {@code domid} (a page absent earlier in a migration stream). */
    public long populate(int domid, long pfn) {
        mem.putLong(idx, pfn);
        return reservationOp(MemoryOp.XENMEM_populate_physmap, domid, 1);
    }

    @Override
    public void close() {
        unmapAll();
        dom0.pages().freeSlots(slots, BATCH);
        dom0.pages().free(scratch, SCRATCH_PAGES);
    }
}
