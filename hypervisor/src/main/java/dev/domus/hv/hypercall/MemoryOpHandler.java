package dev.domus.hv.hypercall;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.DomusMemoryOp;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainTable;
import dev.domus.hv.domain.Physmap;
import dev.domus.hv.domain.PhysmapFactory;
import dev.domus.hv.mem.DomainMemory;
import dev.domus.hv.p2m.P2mType;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code __HYPERVISOR_memory_op(cmd, arg)} (memory.h).
 *
 * <ul>
 *   <li>{@code XENMEM_populate_physmap}, {@code XENMEM_increase_reservation}: back each guest
 *       frame listed in {@code extent_start} (IN: PFNs; Domus guests are auto-translated, so
 *       both take PFNs) with a fresh zeroed frame; {@code extent_order} up to 9.</li>
 *   <li>{@code XENMEM_decrease_reservation}: give the frames behind the listed PFNs back.</li>
 *   <li>All three return the number of extents done (fewer on the first failure, as Xen);
 *       {@code -XEN_EINVAL} for a bad order or count; another domain's id is for Dom0 only
 *       ({@code -XEN_EPERM}).</li>
 *   <li>{@code XENMEM_current_reservation}, {@code XENMEM_maximum_reservation} (arg: address
 *       of a domid_t): pages; {@code XENMEM_maximum_ram_page}, {@code XENMEM_maximum_gpfn}.</li>
 *   <li>{@code XENMEM_add_to_physmap_batch} with {@code XENMAPSPACE_gmfn_foreign} (Dom0
 *       only): maps frames of {@code foreign_domid} ({@code idxs}: its PFNs) at the caller's
 *       {@code gpfns}; per-entry status in {@code errs}. A foreign mapping already at a
 *       {@code gpfns} entry is replaced, as Xen's {@code p2m_add_foreign} removes the previous
 *       page (kept if the new one cannot be mapped; any other page there: {@code -XEN_EBUSY}).
 *       The Domus extension
 *       {@code XENMAPSPACE_domus_gmfn_foreign_ro} maps the same way, read-only, without
 *       marking the pages dirty (see {@link DomusMemoryOp}). {@code XENMEM_remove_from_physmap}
 *       removes such a mapping.</li>
 *   <li>{@code XENMEM_sharing_op} (Dom0 only; {@code struct xen_mem_sharing_op}, 48 bytes):
 *       {@code nominate_gfn} makes a guest page copy-on-write shared (OUT {@code handle}, opaque:
 *       Domus checks contents instead of handles); {@code share} makes the client's page map
 *       the source's frame, after the hypervisor compared both pages byte for byte
 *       ({@code -XEN_EINVAL} if they differ or either is not nominated, {@code -XEN_EAGAIN} if a
 *       vCPU has not passed a quiescent point since the nomination: retry).
 *       {@code range_share} ({@code struct mem_sharing_op_range}: IN {@code first_gfn},
 *       {@code last_gfn}, {@code opaque} (0, or a continuation point in the range),
 *       {@code client_domain}, {@code _pad} zero) makes every client page in the range map the
 *       source's frame at the same gfn copy-on-write, without comparing contents (as Xen's; the
 *       fork primitive templates use): see {@code DomainMemory.rangeShare} for what is skipped;
 *       {@code -XEN_EAGAIN} to retry, {@code -XEN_ENOMEM} if the client is at its maximum.
 *       Other sub-ops {@code -XEN_EOPNOTSUPP}; a page of Dom0 {@code -XEN_EINVAL}.</li>
 *   <li>{@code XENMEM_paging_op} (Dom0 only; {@code struct xen_mem_paging_op}, 24 bytes):
 *       {@code nominate} revokes write access to a page, {@code evict} writes it to the domain's
 *       paging file and frees its frame ({@code -XEN_EBUSY} if written since the nomination,
 *       {@code -XEN_EAGAIN} to retry, {@code -XEN_EIO} if the file cannot take it: the page
 *       stays in memory). The hypervisor reads a page back from the paging file itself on the
 *       guest's next access; {@code prep} (with {@code buffer}: the page's 4096 bytes) pages a
 *       page in with content from Dom0, which is how a page whose content only Dom0 holds (a
 *       lazy restore, see {@code dev.domus.hv.mem.PagingRing}) comes in: {@code -XEN_ENOENT}
 *       if the page is not paged out (already in), {@code -XEN_EINVAL} without a buffer or
 *       for a gfn outside the domain. The Domus extension
 *       {@code XENMEM_paging_op_domus_populate_paged} marks a range paged with Dom0 holding
 *       the content. The Domus extension
 *       {@code XENMEM_paging_op_domus_read} copies a paged-out page into {@code buffer}
 *       without paging it in (for save and migration).</li>
 *   <li>{@code XENMEM_get_sharing_freed_pages}, {@code XENMEM_get_sharing_shared_pages}: host
 *       counts; they never fail.</li>
 * </ul>
 * Each struct is copied in once; each PFN of a list is read exactly once.
 */
final class MemoryOpHandler implements HypercallHandler {

    /** struct xen_memory_reservation: extent_start @0, nr_extents @8, extent_order @16, mem_flags @20, domid @24. */
    private static final int RES_LENGTH = 32;
    private static final int MAX_ORDER = 9;
    private static final int MEMOP_CMD_MASK = 0x3f;
    private static final int A = CallContext.ARG_OFFSET;
    private static final int BULK = CallContext.BULK_OFFSET;
    private static final int BATCH = CallContext.BULK_LENGTH / 8;

    /** struct xen_mem_sharing_op: op @0, domain @2, u @8 (share: source_gfn @8, client_gfn @24, client_domain @40). */
    private static final int SHARING_LENGTH = 48;
    /** struct xen_mem_paging_op: op @0, domain @2, buffer @8, gfn @16. */
    private static final int PAGING_LENGTH = 24;

    private final DomainTable domains;
    private final PhysmapFactory memory;
    /** A view of the calling context's bulk area, where a prep's page is copied in (one per thread). */
    private final ThreadLocal<UnsafeBuffer> prepPages = ThreadLocal.withInitial(() -> new UnsafeBuffer(0, 0));

    MemoryOpHandler(DomainTable domains, PhysmapFactory memory) {
        this.domains = domains;
        this.memory = memory;
    }

    @Override
    public long handle(CallContext ctx, long cmdArg, long arg, long a3, long a4, long a5) {
        int cmd = (int) (cmdArg & MEMOP_CMD_MASK);
        UnsafeBuffer b = ctx.buffer();
        switch (cmd) {
            case MemoryOp.XENMEM_increase_reservation:
            case MemoryOp.XENMEM_populate_physmap:
            case MemoryOp.XENMEM_decrease_reservation:
                return reservation(ctx, cmd, arg);
            case MemoryOp.XENMEM_current_reservation:
            case MemoryOp.XENMEM_maximum_reservation: {
                int rc = ctx.copyIn(arg, A, 2);
                if (rc < 0) {
                    return rc;
                }
                Domain d = target(ctx, b.getShort(A, LITTLE_ENDIAN) & 0xffff);
                if (d == null) {
                    return denied(ctx);
                }
                return cmd == MemoryOp.XENMEM_current_reservation
                    ? d.physmap().currentPages() : d.physmap().maxPages();
            }
            case MemoryOp.XENMEM_maximum_ram_page:
            case MemoryOp.XENMEM_maximum_gpfn:
                return ctx.domain().physmap().maxPfn() - 1;
            case MemoryOp.XENMEM_add_to_physmap_batch:
                return addToPhysmapBatch(ctx, arg);
            case MemoryOp.XENMEM_remove_from_physmap: {
                // struct xen_remove_from_physmap { domid @0; gpfn @8 } (16 bytes)
                int rc = ctx.copyIn(arg, A, 16);
                if (rc < 0) {
                    return rc;
                }
                Domain d = target(ctx, b.getShort(A, LITTLE_ENDIAN) & 0xffff);
                if (d == null) {
                    return denied(ctx);
                }
                long gpfn = b.getLong(A + 8, LITTLE_ENDIAN);
                int r = d.physmap().unmapForeign(gpfn);
                return r == 0 ? 0 : d.physmap().release(gpfn);
            }
            case MemoryOp.XENMEM_sharing_op:
                return sharingOp(ctx, arg);
            case MemoryOp.XENMEM_paging_op:
                return pagingOp(ctx, arg);
            case MemoryOp.XENMEM_acquire_resource:
                return acquireResource(ctx, arg);
            case MemoryOp.XENMEM_get_sharing_freed_pages:
                return memory.sharingFreedPages();
            case MemoryOp.XENMEM_get_sharing_shared_pages:
                return memory.sharedFrames();
            default:
                return -XenErrno.XEN_ENOSYS;
        }
    }

    /** The memory of a guest domain Dom0 may share or page, or null (caller returns the error). */
    private DomainMemory guestMemory(int domid) {
        Domain d = domains.get(domid);
        return d == null || d.isPrivileged() ? null : d.physmap().domainMemory();
    }

    private long sharingOp(CallContext ctx, long arg) {
        if (!ctx.privileged()) {
            return -XenErrno.XEN_EPERM;
        }
        UnsafeBuffer b = ctx.buffer();
        int rc = ctx.copyIn(arg, A, SHARING_LENGTH);
        if (rc < 0) {
            return rc;
        }
        int op = b.getByte(A) & 0xff;
        int domid = b.getShort(A + 2, LITTLE_ENDIAN) & 0xffff;
        if (domains.get(domid) == null) {
            return -XenErrno.XEN_ESRCH;
        }
        DomainMemory dm = guestMemory(domid);
        if (dm == null) {
            return -XenErrno.XEN_EINVAL;
        }
        switch (op) {
            case MemoryOp.XENMEM_sharing_op_nominate_gfn: {
                long gfn = b.getLong(A + 8, LITTLE_ENDIAN);
                int r = dm.nominateShare(gfn);
                if (r < 0) {
                    return r;
                }
                b.putLong(A + 16, 1, LITTLE_ENDIAN);
                return ctx.copyOut(arg + 16, A + 16, 8);
            }
            case MemoryOp.XENMEM_sharing_op_share: {
                long sourceGfn = b.getLong(A + 8, LITTLE_ENDIAN);
                long clientGfn = b.getLong(A + 24, LITTLE_ENDIAN);
                int clientDomid = b.getShort(A + 40, LITTLE_ENDIAN) & 0xffff;
                if (domains.get(clientDomid) == null) {
                    return -XenErrno.XEN_ESRCH;
                }
                DomainMemory client = guestMemory(clientDomid);
                if (client == null) {
                    return -XenErrno.XEN_EINVAL;
                }
                if (client == dm && clientGfn == sourceGfn) {
                    return -XenErrno.XEN_EINVAL;
                }
                return DomainMemory.share(dm, sourceGfn, client, clientGfn);
            }
            case MemoryOp.XENMEM_sharing_op_range_share: {
                // struct mem_sharing_op_range: first_gfn @8, last_gfn @16, opaque @24,
                // client_domain @32, _pad[3] @34
                long firstGfn = b.getLong(A + 8, LITTLE_ENDIAN);
                long lastGfn = b.getLong(A + 16, LITTLE_ENDIAN);
                long opaque = b.getLong(A + 24, LITTLE_ENDIAN);
                int clientDomid = b.getShort(A + 32, LITTLE_ENDIAN) & 0xffff;
                if (b.getShort(A + 34) != 0 || b.getInt(A + 36) != 0) {
                    return -XenErrno.XEN_EINVAL;
                }
                // opaque is Xen's continuation point: 0, or where an earlier call stopped.
                if (opaque != 0 && (opaque < firstGfn || opaque > lastGfn)) {
                    return -XenErrno.XEN_EINVAL;
                }
                if (domains.get(clientDomid) == null) {
                    return -XenErrno.XEN_ESRCH;
                }
                DomainMemory client = guestMemory(clientDomid);
                if (client == null) {
                    return -XenErrno.XEN_EINVAL;
                }
                return DomainMemory.rangeShare(dm, client, opaque != 0 ? opaque : firstGfn, lastGfn);
            }
            default:
                return -XenErrno.XEN_EOPNOTSUPP;
        }
    }

    private long pagingOp(CallContext ctx, long arg) {
        if (!ctx.privileged()) {
            return -XenErrno.XEN_EPERM;
        }
        UnsafeBuffer b = ctx.buffer();
        int rc = ctx.copyIn(arg, A, PAGING_LENGTH);
        if (rc < 0) {
            return rc;
        }
        int op = b.getByte(A) & 0xff;
        int domid = b.getShort(A + 2, LITTLE_ENDIAN) & 0xffff;
        long gfn = b.getLong(A + 16, LITTLE_ENDIAN);
        if (op == DomusMemoryOp.XENMEM_paging_op_domus_low_mem) {
            if (gfn < 0) {
                return -XenErrno.XEN_EINVAL;
            }
            memory.lowMemoryThreshold(gfn);
            return 0;
        }
        if (domains.get(domid) == null) {
            return -XenErrno.XEN_ESRCH;
        }
        DomainMemory dm = guestMemory(domid);
        if (dm == null) {
            return -XenErrno.XEN_EINVAL;
        }
        switch (op) {
            case MemoryOp.XENMEM_paging_op_nominate:
                return dm.nominatePageOut(gfn);
            case MemoryOp.XENMEM_paging_op_evict:
                return dm.evictPage(gfn);
            case MemoryOp.XENMEM_paging_op_prep: {
                long buffer = b.getLong(A + 8, LITTLE_ENDIAN);
                if (buffer == 0) {
                    return -XenErrno.XEN_EINVAL; // Domus always takes the content from the pager
                }
                if (ctx.copyIn(buffer, BULK, Xen.PAGE_SIZE) < 0) {
                    return -XenErrno.XEN_EFAULT;
                }
                UnsafeBuffer prepPage = prepPages.get();
                prepPage.wrap(b, BULK, Xen.PAGE_SIZE);
                return dm.prepPage(gfn, prepPage);
            }
            case DomusMemoryOp.XENMEM_paging_op_domus_populate_paged:
                return dm.populatePaged(gfn, b.getLong(A + 8, LITTLE_ENDIAN));
            case DomusMemoryOp.XENMEM_paging_op_domus_read: {
                long buffer = b.getLong(A + 8, LITTLE_ENDIAN);
                int r = dm.readPagedOut(gfn, new UnsafeBuffer(b, BULK, Xen.PAGE_SIZE));
                return r < 0 ? r : ctx.copyOut(buffer, BULK, Xen.PAGE_SIZE) < 0 ? -XenErrno.XEN_EFAULT : 0;
            }
            case DomusMemoryOp.XENMEM_paging_op_domus_nominate_batch:
            case DomusMemoryOp.XENMEM_paging_op_domus_evict_batch:
                return pagingBatch(ctx, dm, op, b.getLong(A + 8, LITTLE_ENDIAN), gfn);
            case DomusMemoryOp.XENMEM_paging_op_domus_accessed: {
                long buffer = b.getLong(A + 8, LITTLE_ENDIAN);
                int words = DomusMemoryOp.DOMUS_ACCESSED_PFNS / 64;
                long[] bits = new long[words];
                long n = dm.readAndClearAccessed(gfn, bits, words);
                if (n < 0) {
                    return n;
                }
                for (int i = 0; i < words; i++) {
                    b.putLong(BULK + 8 * i, bits[i], LITTLE_ENDIAN);
                }
                return ctx.copyOut(buffer, BULK, Xen.PAGE_SIZE) < 0 ? -XenErrno.XEN_EFAULT : n;
            }
            default:
                return -XenErrno.XEN_EOPNOTSUPP;
        }
    }

    /**
     * {@code struct xen_mem_acquire_resource} (domid @0, type @2, id @4, nr_frames @8, pad @12,
     * frame @16, frame_list @24; 32 bytes). Domus has one resource, the Domus extension
     * {@code XENMEM_resource_domus_vm_event} (id {@code XEN_DOMCTL_VM_EVENT_OP_PAGING}, one frame):
     * the domain's paging ring, mapped at the caller's gfn {@code frame_list[0]} (Dom0 is
     * auto-translated). With {@code nr_frames} 0 and no list, OUT {@code nr_frames} = 1. Dom0 only
     * ({@code -XEN_EPERM}); {@code -XEN_EOPNOTSUPP} for other types; {@code -XEN_ENOENT} if the
     * ring is not enabled; {@code -XEN_EINVAL} for another id, frame or count.
     */
    private long acquireResource(CallContext ctx, long arg) {
        if (!ctx.privileged()) {
            return -XenErrno.XEN_EPERM;
        }
        UnsafeBuffer b = ctx.buffer();
        int rc = ctx.copyIn(arg, A, 32);
        if (rc < 0) {
            return rc;
        }
        int domid = b.getShort(A, LITTLE_ENDIAN) & 0xffff;
        int type = b.getShort(A + 2, LITTLE_ENDIAN) & 0xffff;
        int id = b.getInt(A + 4, LITTLE_ENDIAN);
        int nrFrames = b.getInt(A + 8, LITTLE_ENDIAN);
        long frame = b.getLong(A + 16, LITTLE_ENDIAN);
        long list = b.getLong(A + 24, LITTLE_ENDIAN);
        if (type != DomusMemoryOp.XENMEM_resource_domus_vm_event) {
            return -XenErrno.XEN_EOPNOTSUPP;
        }
        if (domains.get(domid) == null) {
            return -XenErrno.XEN_ESRCH;
        }
        DomainMemory dm = guestMemory(domid);
        if (dm == null || id != dev.domus.abi.Domctl.XEN_DOMCTL_VM_EVENT_OP_PAGING) {
            return -XenErrno.XEN_EINVAL;
        }
        if (nrFrames == 0 && list == 0) {
            b.putInt(A + 8, 1, LITTLE_ENDIAN);
            return ctx.copyOut(arg + 8, A + 8, 4);
        }
        if (nrFrames != 1 || frame != 0) {
            return -XenErrno.XEN_EINVAL;
        }
        dev.domus.hv.mem.PagingRing ring = dm.pager();
        if (ring == null) {
            return -XenErrno.XEN_ENOENT;
        }
        if (ctx.copyIn(list, BULK, 8) < 0) {
            return -XenErrno.XEN_EFAULT;
        }
        DomainMemory mine = ctx.domain().physmap().domainMemory();
        if (mine == null) {
            return -XenErrno.XEN_EINVAL;
        }
        return mine.mapFrame(b.getLong(BULK, LITTLE_ENDIAN), ring.mfn());
    }

    /** The two batch paging sub-ops: {@code nr} gfns in at {@code buffer}, per-entry results out. */
    private long pagingBatch(CallContext ctx, DomainMemory dm, int op, long buffer, long nr) {
        if (nr < 1 || nr > DomusMemoryOp.DOMUS_PAGING_BATCH_MAX) {
            return -XenErrno.XEN_EINVAL;
        }
        int n = (int) nr;
        UnsafeBuffer b = ctx.buffer();
        if (ctx.copyIn(buffer, BULK, n * 8) < 0) {
            return -XenErrno.XEN_EFAULT;
        }
        long[] gfns = new long[n];
        long[] result = new long[n];
        for (int i = 0; i < n; i++) {
            gfns[i] = b.getLong(BULK + 8 * i, LITTLE_ENDIAN);
        }
        long done = op == DomusMemoryOp.XENMEM_paging_op_domus_nominate_batch
            ? dm.nominatePageOutBatch(gfns, n, result) : dm.evictPageBatch(gfns, n, result);
        for (int i = 0; i < n; i++) {
            b.putLong(BULK + 8 * i, result[i], LITTLE_ENDIAN);
        }
        return ctx.copyOut(buffer, BULK, n * 8) < 0 ? -XenErrno.XEN_EFAULT : done;
    }

    private long reservation(CallContext ctx, int cmd, long arg) {
        UnsafeBuffer b = ctx.buffer();
        int rc = ctx.copyIn(arg, A, RES_LENGTH);
        if (rc < 0) {
            return rc;
        }
        long extents = b.getLong(A, LITTLE_ENDIAN);
        long nr = b.getLong(A + 8, LITTLE_ENDIAN);
        int order = b.getInt(A + 16, LITTLE_ENDIAN);
        int domid = b.getShort(A + 24, LITTLE_ENDIAN) & 0xffff;
        Domain d = target(ctx, domid);
        if (d == null) {
            return denied(ctx);
        }
        Physmap pm = d.physmap();
        if (order < 0 || order > MAX_ORDER || nr < 0 || nr > (pm.maxPfn() >>> order)) {
            return -XenErrno.XEN_EINVAL;
        }
        long done = 0;
        while (done < nr) {
            int n = (int) Math.min(BATCH, nr - done);
            if (ctx.copyIn(extents + done * 8, BULK, n * 8) < 0) {
                return done == 0 ? -XenErrno.XEN_EFAULT : done;
            }
            for (int i = 0; i < n; i++) {
                long pfn = b.getLong(BULK + i * 8, LITTLE_ENDIAN);
                if (pfn < 0 || pfn > pm.maxPfn() || ((pfn >>> order) << order) != pfn) {
                    return done;
                }
                long pages = 1L << order;
                for (long p = 0; p < pages; p++) {
                    int r = cmd == MemoryOp.XENMEM_decrease_reservation
                        ? pm.release(pfn + p) : pm.populate(pfn + p);
                    if (r < 0) {
                        return done;
                    }
                }
                done++;
            }
        }
        return done;
    }

    /** struct xen_add_to_physmap_batch: domid @0, space @2, size @4, foreign_domid @6, idxs @8, gpfns @16, errs @24. */
    private long addToPhysmapBatch(CallContext ctx, long arg) {
        UnsafeBuffer b = ctx.buffer();
        int rc = ctx.copyIn(arg, A, 32);
        if (rc < 0) {
            return rc;
        }
        int domid = b.getShort(A, LITTLE_ENDIAN) & 0xffff;
        int space = b.getShort(A + 2, LITTLE_ENDIAN) & 0xffff;
        int size = b.getShort(A + 4, LITTLE_ENDIAN) & 0xffff;
        int foreign = b.getShort(A + 6, LITTLE_ENDIAN) & 0xffff;
        long idxs = b.getLong(A + 8, LITTLE_ENDIAN);
        long gpfns = b.getLong(A + 16, LITTLE_ENDIAN);
        long errs = b.getLong(A + 24, LITTLE_ENDIAN);
        boolean readOnly = space == DomusMemoryOp.XENMAPSPACE_domus_gmfn_foreign_ro;
        if (space != MemoryOp.XENMAPSPACE_gmfn_foreign && !readOnly) {
            return -XenErrno.XEN_EOPNOTSUPP;
        }
        if (!ctx.privileged()) {
            return -XenErrno.XEN_EPERM;
        }
        Domain d = target(ctx, domid);
        Domain source = domains.get(foreign);
        if (d == null || source == null) {
            return -XenErrno.XEN_ESRCH;
        }
        if (source == d) {
            return -XenErrno.XEN_EINVAL;
        }
        // Three arrays share the bulk area: idxs (8 each), gpfns (8 each), errs (4 each).
        int batch = CallContext.BULK_LENGTH / 20;
        int done = 0;
        while (done < size) {
            int n = Math.min(batch, size - done);
            int idxOff = BULK;
            int gpfnOff = BULK + n * 8;
            int errOff = BULK + n * 16;
            if (ctx.copyIn(idxs + done * 8L, idxOff, n * 8) < 0
                || ctx.copyIn(gpfns + done * 8L, gpfnOff, n * 8) < 0) {
                return -XenErrno.XEN_EFAULT;
            }
            for (int i = 0; i < n; i++) {
                long idx = b.getLong(idxOff + i * 8, LITTLE_ENDIAN);
                long gpfn = b.getLong(gpfnOff + i * 8, LITTLE_ENDIAN);
                int r = mapForeign(d, gpfn, source, idx, readOnly);
                if (r == -XenErrno.XEN_EBUSY && holdsForeignMap(d, gpfn)) {
                    // Xen's p2m_add_foreign: once the new page is known good, a foreign page
                    // already at gpfn is removed, so Dom0 maps batch after batch into the same
                    // slots without a remove_from_physmap per page.
                    r = isRam(source, idx) ? d.physmap().unmapForeign(gpfn) : -XenErrno.XEN_EINVAL;
                    if (r == 0) {
                        r = mapForeign(d, gpfn, source, idx, readOnly);
                    }
                }
                b.putInt(errOff + i * 4, r, LITTLE_ENDIAN);
            }
            if (ctx.copyOut(errs + done * 4L, errOff, n * 4) < 0) {
                return -XenErrno.XEN_EFAULT;
            }
            done += n;
        }
        return 0;
    }

    /** A foreign map (not a grant map, which the grant table owns) is at {@code gpfn}. */
    private static boolean holdsForeignMap(Domain d, long gpfn) {
        DomainMemory m = d.physmap().domainMemory();
        if (m == null) {
            return false;
        }
        int t = m.typeOf(gpfn);
        return t == P2mType.p2m_map_foreign || t == P2mType.p2m_map_foreign_ro;
    }

    /** {@code pfn} is {@code source}'s RAM (what a foreign map may map). */
    private static boolean isRam(Domain source, long pfn) {
        DomainMemory m = source.physmap().domainMemory();
        return m != null && P2mType.isRam(m.typeOf(pfn));
    }

    private static int mapForeign(Domain d, long gpfn, Domain source, long idx, boolean readOnly) {
        return readOnly ? d.physmap().mapForeignReadOnly(gpfn, source.physmap(), idx)
            : d.physmap().mapForeign(gpfn, source.physmap(), idx);
    }

    private Domain target(CallContext ctx, int domid) {
        if (domid == Xen.DOMID_SELF || domid == ctx.domain().domid()) {
            return ctx.domain();
        }
        return ctx.privileged() ? domains.get(domid) : null;
    }

    private static long denied(CallContext ctx) {
        return ctx.privileged() ? -XenErrno.XEN_ESRCH : -XenErrno.XEN_EPERM;
    }
}
