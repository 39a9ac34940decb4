package dev.domus.dom0.overcommit;

import dev.domus.abi.Domctl;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.DomusMemoryOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.Virq;
import dev.domus.abi.Xen;
import dev.domus.abi.flyweight.DomctlGetDomainInfoFlyweight;
import dev.domus.abi.flyweight.EvtchnBindVirqFlyweight;
import dev.domus.abi.flyweight.XenDomctlFlyweight;
import dev.domus.hv.boot.Dom0;

/**
 * Dom0's wrappers for the overcommit hypercalls, in the manner of libxc's
 * {@code xc_memshr_*} and {@code xc_mem_paging_*}: {@code XENMEM_sharing_op},
 * {@code XENMEM_paging_op}, {@code XENMEM_get_sharing_*} and {@code XEN_DOMCTL_getpageframeinfo3}.
 * Each call lays Xen's struct out in a scratch page of Dom0's memory. Results are Xen's:
 * {@code >= 0} or {@code -XEN_E*}. Calls are serialised on this object (one scratch page).
 */
public final class MemoryOps implements AutoCloseable {

    /** PFNs per getpageframeinfo3 call (Xen's limit). */
    public static final int TYPE_BATCH = 1024;

    private static final int ARRAY = 1024;
    private static final int SCRATCH_PAGES = 3;

    private final Dom0 dom0;
    private final HypercallGate gate;
    private final GuestMemory mem;
    private final long scratch;
    private boolean closed;

    public MemoryOps(Dom0 dom0) {
        this.dom0 = dom0;
        this.gate = dom0.gate();
        this.mem = dom0.memory();
        this.scratch = dom0.pages().allocate(SCRATCH_PAGES);
    }

    /**
     * The P2M types ({@code dev.domus.hv.p2m.P2mType} values: 1 rw, 2 logdirty, 3 shared,
     * 4 paging_out, 5 paged_out, 6 ballooned, ...) of {@code n} PFNs from {@code first} into
     * {@code types[0..n)}; 0 or a negated error.
     */
    public synchronized long pageTypes(int domid, long first, int n, int[] types) {
        if (n > TYPE_BATCH) {
            throw new IllegalArgumentException(n + " > " + TYPE_BATCH);
        }
        long array = scratch + ARRAY;
        for (int i = 0; i < n; i++) {
            mem.putLong(array + 8L * i, first + i);
        }
        mem.setMemory(scratch, XenDomctlFlyweight.LENGTH, (byte) 0);
        mem.putInt(scratch + XenDomctlFlyweight.CMD_OFFSET, Domctl.XEN_DOMCTL_getpageframeinfo3);
        mem.putInt(scratch + XenDomctlFlyweight.INTERFACE_VERSION_OFFSET, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        mem.putShort(scratch + XenDomctlFlyweight.DOMAIN_OFFSET, (short) domid);
        mem.putLong(scratch + XenDomctlFlyweight.U_OFFSET, n);
        mem.putLong(scratch + XenDomctlFlyweight.U_OFFSET + 8, array);
        long rc = gate.call(Hypercalls.__HYPERVISOR_domctl, scratch);
        if (rc < 0) {
            return rc;
        }
        for (int i = 0; i < n; i++) {
            types[i] = (int) ((mem.getLong(array + 8L * i) >>> 32) & 0xff);
        }
        return 0;
    }

    /**
     * A domain's page counts from getdomaininfo.
     *
     * @param flags XEN_DOMINF_* flags
     */
    public record DomainPages(int domid, int flags, long totPages, long maxPages, long sharedPages, long pagedPages) {

        public boolean paused() {
            return (flags & Domctl.XEN_DOMINF_paused) != 0;
        }

        public boolean dying() {
            return (flags & Domctl.XEN_DOMINF_dying) != 0;
        }
    }

    /** XEN_DOMCTL_getdomaininfo's page counts, or null if the domain does not exist. */
    public synchronized DomainPages domainPages(int domid) {
        mem.setMemory(scratch, XenDomctlFlyweight.LENGTH, (byte) 0);
        mem.putInt(scratch + XenDomctlFlyweight.CMD_OFFSET, Domctl.XEN_DOMCTL_getdomaininfo);
        mem.putInt(scratch + XenDomctlFlyweight.INTERFACE_VERSION_OFFSET, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        mem.putShort(scratch + XenDomctlFlyweight.DOMAIN_OFFSET, (short) domid);
        if (gate.call(Hypercalls.__HYPERVISOR_domctl, scratch) < 0) {
            return null;
        }
        long u = scratch + XenDomctlFlyweight.U_OFFSET;
        return new DomainPages(domid, mem.getInt(u + DomctlGetDomainInfoFlyweight.FLAGS_OFFSET),
                mem.getLong(u + DomctlGetDomainInfoFlyweight.TOT_PAGES_OFFSET),
                mem.getLong(u + DomctlGetDomainInfoFlyweight.MAX_PAGES_OFFSET),
                mem.getLong(u + DomctlGetDomainInfoFlyweight.SHR_PAGES_OFFSET),
                mem.getLong(u + DomctlGetDomainInfoFlyweight.PAGED_PAGES_OFFSET));
    }

    /** XENMEM_sharing_op_nominate_gfn: the page becomes copy-on-write shared. */
    public synchronized long nominateShare(int domid, long gfn) {
        sharingHeader(MemoryOp.XENMEM_sharing_op_nominate_gfn, domid);
        mem.putLong(scratch + 8, gfn);
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_sharing_op, scratch);
    }

    /**
     * XENMEM_sharing_op_share: the client's page maps the source's frame; the hypervisor
     * compares both pages in full first ({@code -XEN_EINVAL} if they differ).
     */
    public synchronized long share(int sourceDomid, long sourceGfn, int clientDomid, long clientGfn) {
        sharingHeader(MemoryOp.XENMEM_sharing_op_share, sourceDomid);
        mem.putLong(scratch + 8, sourceGfn);
        mem.putLong(scratch + 24, clientGfn);
        mem.putShort(scratch + 40, (short) clientDomid);
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_sharing_op, scratch);
    }

    private void sharingHeader(int op, int domid) {
        mem.setMemory(scratch, 48, (byte) 0);
        mem.putByte(scratch, (byte) op);
        mem.putShort(scratch + 2, (short) domid);
    }

    /** XENMEM_paging_op_nominate: write access to the page is revoked until evict. */
    public synchronized long nominatePageOut(int domid, long gfn) {
        return paging(MemoryOp.XENMEM_paging_op_nominate, domid, gfn);
    }

    /** XENMEM_paging_op_evict: the page goes to the domain's paging file, its frame is freed. */
    public synchronized long evict(int domid, long gfn) {
        return paging(MemoryOp.XENMEM_paging_op_evict, domid, gfn);
    }

    private long paging(int op, int domid, long gfn) {
        paging(op, domid, gfn, 0);
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_paging_op, scratch);
    }

    /** Lays out struct xen_mem_paging_op in the scratch page. */
    private void paging(int op, int domid, long gfn, long buffer) {
        mem.setMemory(scratch, 24, (byte) 0);
        mem.putByte(scratch, (byte) op);
        mem.putShort(scratch + 2, (short) domid);
        mem.putLong(scratch + 8, buffer);
        mem.putLong(scratch + 16, gfn);
    }

    /**
     * XENMEM_paging_op_domus_nominate_batch: nominates {@code gfns[0..n)} (n at most
     * {@link DomusMemoryOp#DOMUS_PAGING_BATCH_MAX}) in one call; {@code result[i]} gets each
     * page's result.
     *
     * @return the number nominated, or a negated error for the call as a whole
     */
    public synchronized long nominatePageOutBatch(int domid, long[] gfns, int n, long[] result) {
        return pagingBatch(DomusMemoryOp.XENMEM_paging_op_domus_nominate_batch, domid, gfns, n, result);
    }

    /**
     * XENMEM_paging_op_domus_evict_batch: evicts nominated pages {@code gfns[0..n)} in one call;
     * {@code result[i]} gets each page's result (0, EBUSY, EAGAIN, EIO).
     *
     * @return the number evicted, or a negated error for the call as a whole
     */
    public synchronized long evictBatch(int domid, long[] gfns, int n, long[] result) {
        return pagingBatch(DomusMemoryOp.XENMEM_paging_op_domus_evict_batch, domid, gfns, n, result);
    }

    private long pagingBatch(int op, int domid, long[] gfns, int n, long[] result) {
        if (n < 1 || n > DomusMemoryOp.DOMUS_PAGING_BATCH_MAX) {
            throw new IllegalArgumentException("batch of " + n);
        }
        long array = scratch + Xen.PAGE_SIZE;
        for (int i = 0; i < n; i++) {
            mem.putLong(array + 8L * i, gfns[i]);
        }
        paging(op, domid, n, array);
        long rc = gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_paging_op, scratch);
        if (rc >= 0) {
            for (int i = 0; i < n; i++) {
                result[i] = mem.getLong(array + 8L * i);
            }
        }
        return rc;
    }

    /**
     * XENMEM_paging_op_domus_accessed: reads and clears the accessed bits of the
     * {@link DomusMemoryOp#DOMUS_ACCESSED_PFNS} PFNs from {@code firstPfn} (a multiple of 64) into
     * {@code bits} (512 words).
     *
     * @return how many were set, or a negated error
     */
    public synchronized long readAndClearAccessed(int domid, long firstPfn, long[] bits) {
        long buffer = scratch + Xen.PAGE_SIZE;
        paging(DomusMemoryOp.XENMEM_paging_op_domus_accessed, domid, firstPfn, buffer);
        long rc = gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_paging_op, scratch);
        if (rc >= 0) {
            for (int i = 0; i < DomusMemoryOp.DOMUS_ACCESSED_PFNS / 64; i++) {
                bits[i] = mem.getLong(buffer + 8L * i);
            }
        }
        return rc;
    }

    /**
     * XENMEM_paging_op_domus_low_mem: the hypervisor raises VIRQ_ENOMEM when free frames fall
     * under {@code frames} (0: only when an allocation finds none).
     */
    public synchronized long lowMemoryThreshold(long frames) {
        paging(DomusMemoryOp.XENMEM_paging_op_domus_low_mem, Xen.DOMID_SELF, frames, 0);
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_paging_op, scratch);
    }

    /**
     * EVTCHNOP_bind_virq for VIRQ_ENOMEM on Dom0's vCPU 0: the port the hypervisor raises when
     * memory runs low.
     *
     * @return the port, or a negated error
     */
    public synchronized long bindLowMemoryVirq() {
        mem.setMemory(scratch, EvtchnBindVirqFlyweight.LENGTH, (byte) 0);
        mem.putInt(scratch + EvtchnBindVirqFlyweight.VIRQ_OFFSET, Virq.VIRQ_ENOMEM);
        mem.putInt(scratch + EvtchnBindVirqFlyweight.VCPU_OFFSET, 0);
        long rc = gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_virq, scratch);
        return rc < 0 ? rc : mem.getInt(scratch + EvtchnBindVirqFlyweight.PORT_OFFSET);
    }

    /**
     * XENMEM_paging_op_domus_read: copies paged-out page {@code gfn} of {@code domid} from its
     * paging file into {@code dst[off..off+4096)} without paging it in.
     *
     * @return 0, {@code -XEN_EINVAL} if the page is not paged out, {@code -XEN_EIO} if unreadable
     */
    public synchronized long readPagedOut(int domid, long gfn, byte[] dst, int off) {
        long buffer = scratch + Xen.PAGE_SIZE;
        paging(DomusMemoryOp.XENMEM_paging_op_domus_read, domid, gfn, buffer);
        long rc = gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_paging_op, scratch);
        if (rc == 0) {
            mem.getBytes(buffer, dst, off, Xen.PAGE_SIZE);
        }
        return rc;
    }

    /** XENMEM_get_sharing_freed_pages: frames the host saves by sharing. */
    public synchronized long sharingFreedPages() {
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_get_sharing_freed_pages, 0);
    }

    /** XENMEM_get_sharing_shared_pages: copy-on-write frames in use. */
    public synchronized long sharedFrames() {
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_get_sharing_shared_pages, 0);
    }

    /** Bytes to MiB for reports. */
    static double mib(long pages) {
        return pages * (double) Xen.PAGE_SIZE / (1 << 20);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            dom0.pages().free(scratch, SCRATCH_PAGES);
        }
    }
}
