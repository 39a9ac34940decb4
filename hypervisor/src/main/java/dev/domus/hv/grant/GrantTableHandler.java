package dev.domus.hv.grant;

import static dev.domus.abi.GrantTableOp.GNTST_bad_domain;
import static dev.domus.abi.GrantTableOp.GNTST_bad_virt_addr;
import static dev.domus.abi.GrantTableOp.GNTST_okay;
import static dev.domus.abi.GrantTableOp.GNTST_permission_denied;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.GrantTableOp;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.abi.flyweight.GnttabCopyFlyweight;
import dev.domus.abi.flyweight.GnttabMapGrantRefFlyweight;
import dev.domus.abi.flyweight.GnttabQuerySizeFlyweight;
import dev.domus.abi.flyweight.GnttabSetupTableFlyweight;
import dev.domus.abi.flyweight.GnttabUnmapGrantRefFlyweight;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainTable;
import dev.domus.hv.hypercall.CallContext;
import dev.domus.hv.hypercall.HypercallHandler;
import dev.domus.hv.mem.DomainMemory;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code __HYPERVISOR_grant_table_op(cmd, uop, count)}: setup_table, query_size,
 * map_grant_ref, unmap_grant_ref and copy, as in Xen 4.17's {@code grant_table.h}.
 *
 * <ul>
 * <li>{@code GNTTABOP_setup_table} / {@code GNTTABOP_query_size} (count must be 1): IN
 *     {@code dom} (DOMID_SELF, or any domain for a privileged caller), {@code nr_frames} (at
 *     most {@link GrantTables#MAX_GRANT_FRAMES}), {@code frame_list}; OUT {@code status}, the
 *     frame list (guest PFNs of the domain holding its grant_entry_v1 array: hypervisor pages
 *     added above its RAM) and, for query_size, {@code nr_frames} / {@code max_nr_frames}.</li>
 * <li>{@code GNTTABOP_map_grant_ref}: IN {@code host_addr} (page-aligned guest-physical
 *     address of the caller), {@code flags} (GNTMAP_host_map, optionally GNTMAP_readonly),
 *     {@code ref}, {@code dom}; OUT {@code status}, {@code handle}, {@code dev_bus_addr} (0).</li>
 * <li>{@code GNTTABOP_unmap_grant_ref}: IN {@code host_addr} (0 or where it is mapped),
 *     {@code handle}; OUT {@code status}.</li>
 * <li>{@code GNTTABOP_copy}: IN source/dest ({@code u.ref} with GNTCOPY_*_gref, else
 *     {@code u.gmfn} of the caller), {@code domid}, {@code offset}, {@code len}, {@code flags};
 *     OUT {@code status}. Neither side may cross a page.</li>
 * </ul>
 * Each struct is copied from guest memory once, checked and acted on from the copy; only the
 * OUT fields are written back. Returns 0 (per-op results are in {@code status}),
 * {@code -XEN_EFAULT} if a struct cannot be read or written, {@code -XEN_EINVAL} for a bad
 * count, {@code -XEN_ENOSYS} for another sub-op. Per-op status codes are GNTST_*.
 */
public final class GrantTableHandler implements HypercallHandler {

    /** Most ops one call may carry (Xen preempts long batches; Domus refuses them). */
    public static final int MAX_OPS = 4096;

    private final DomainTable domains;
    private final GrantTables tables;
    private final AtomicReferenceArray<Domain> hooked = new AtomicReferenceArray<>(Xen.DOMID_FIRST_RESERVED);
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread flyweights and the copy bounce page (no allocation per call). */
    private static final class Scratch {
        final GnttabSetupTableFlyweight setup = new GnttabSetupTableFlyweight();
        final GnttabQuerySizeFlyweight query = new GnttabQuerySizeFlyweight();
        final GnttabMapGrantRefFlyweight map = new GnttabMapGrantRefFlyweight();
        final GnttabUnmapGrantRefFlyweight unmap = new GnttabUnmapGrantRefFlyweight();
        final GnttabCopyFlyweight copy = new GnttabCopyFlyweight();
        final UnsafeBuffer bounce = new UnsafeBuffer(new byte[Xen.PAGE_SIZE]);
        final long[] frames = new long[GrantTables.MAX_GRANT_FRAMES];
        final int[] handle = new int[1];
    }

    public GrantTableHandler(DomainTable domains) {
        this.domains = domains;
        this.tables = new GrantTables(domid -> {
            Domain d = domains.get(domid);
            return d == null ? null : d.physmap().domainMemory();
        });
    }

    /** The grant state behind this handler (for tests and the toolstack's diagnostics). */
    public GrantTables tables() {
        return tables;
    }

    @Override
    public long handle(CallContext ctx, long cmd, long uop, long count, long a4, long a5) {
        Domain caller = ctx.domain();
        DomainMemory mem = caller.physmap().domainMemory();
        if (mem == null) {
            return -XenErrno.XEN_ENOSYS;
        }
        if (count < 0 || count > MAX_OPS) {
            return -XenErrno.XEN_EINVAL;
        }
        Scratch s = scratch.get();
        switch ((int) cmd) {
            case GrantTableOp.GNTTABOP_setup_table:
                return count != 1 ? -XenErrno.XEN_EINVAL : setupTable(ctx, caller, uop, s);
            case GrantTableOp.GNTTABOP_query_size:
                return count != 1 ? -XenErrno.XEN_EINVAL : querySize(ctx, caller, uop, s);
            case GrantTableOp.GNTTABOP_map_grant_ref:
                hookDestroy(caller, mem);
                return map(ctx, mem, uop, (int) count, s);
            case GrantTableOp.GNTTABOP_unmap_grant_ref:
                return unmap(ctx, mem, uop, (int) count, s);
            case GrantTableOp.GNTTABOP_copy:
                return copy(ctx, mem, uop, (int) count, s);
            default:
                return -XenErrno.XEN_ENOSYS;
        }
    }

    /** At the caller's destroy, release the pins its mappings hold on other domains' grants. */
    private void hookDestroy(Domain d, DomainMemory mem) {
        Domain prev = hooked.get(d.domid());
        if (prev != d && hooked.compareAndSet(d.domid(), prev, d)) {
            d.onDestroy(() -> tables.domainDestroyed(mem));
        }
    }

    /** The domain a setup/query names: self, or any live domain for a privileged caller. */
    private DomainMemory target(Domain caller, int dom, int[] status) {
        if (dom == Xen.DOMID_SELF || dom == caller.domid()) {
            return caller.physmap().domainMemory();
        }
        if (!caller.isPrivileged()) {
            status[0] = GNTST_permission_denied;
            return null;
        }
        Domain d = domains.get(dom);
        DomainMemory m = d == null ? null : d.physmap().domainMemory();
        if (m == null) {
            status[0] = GNTST_bad_domain;
        }
        return m;
    }

    private long setupTable(CallContext ctx, Domain caller, long uop, Scratch s) {
        int rc = ctx.copyIn(uop, CallContext.ARG_OFFSET, GnttabSetupTableFlyweight.LENGTH);
        if (rc < 0) {
            return rc;
        }
        GnttabSetupTableFlyweight op = s.setup.wrap(ctx.buffer(), CallContext.ARG_OFFSET);
        int dom = op.dom();
        int nrFrames = op.nrFrames();
        long frameList = op.frameList();
        int[] status = s.handle;
        status[0] = GNTST_okay;
        DomainMemory target = target(caller, dom, status);
        if (target != null) {
            status[0] = tables.setupTable(target, nrFrames, s.frames);
            if (status[0] == GNTST_okay) {
                UnsafeBuffer b = ctx.buffer();
                for (int i = 0; i < nrFrames; i++) {
                    b.putLong(CallContext.BULK_OFFSET + 8 * i, s.frames[i], LITTLE_ENDIAN);
                }
                if (nrFrames > 0 && ctx.copyOut(frameList, CallContext.BULK_OFFSET, 8 * nrFrames) < 0) {
                    status[0] = GNTST_bad_virt_addr;
                }
            }
        }
        op.status(status[0]);
        return ctx.copyOut(uop + GnttabSetupTableFlyweight.STATUS_OFFSET,
                CallContext.ARG_OFFSET + GnttabSetupTableFlyweight.STATUS_OFFSET, 2);
    }

    private long querySize(CallContext ctx, Domain caller, long uop, Scratch s) {
        int rc = ctx.copyIn(uop, CallContext.ARG_OFFSET, GnttabQuerySizeFlyweight.LENGTH);
        if (rc < 0) {
            return rc;
        }
        GnttabQuerySizeFlyweight op = s.query.wrap(ctx.buffer(), CallContext.ARG_OFFSET);
        int[] status = s.handle;
        status[0] = GNTST_okay;
        DomainMemory target = target(caller, op.dom(), status);
        if (target != null) {
            op.nrFrames(tables.nrFrames(target));
            op.maxNrFrames(GrantTables.MAX_GRANT_FRAMES);
        }
        op.status(status[0]);
        return ctx.copyOut(uop + GnttabQuerySizeFlyweight.NR_FRAMES_OFFSET,
                CallContext.ARG_OFFSET + GnttabQuerySizeFlyweight.NR_FRAMES_OFFSET,
                GnttabQuerySizeFlyweight.LENGTH - GnttabQuerySizeFlyweight.NR_FRAMES_OFFSET);
    }

    private long map(CallContext ctx, DomainMemory mem, long uop, int count, Scratch s) {
        for (int i = 0; i < count; i++) {
            long at = uop + (long) i * GnttabMapGrantRefFlyweight.LENGTH;
            int rc = ctx.copyIn(at, CallContext.ARG_OFFSET, GnttabMapGrantRefFlyweight.LENGTH);
            if (rc < 0) {
                return rc;
            }
            GnttabMapGrantRefFlyweight op = s.map.wrap(ctx.buffer(), CallContext.ARG_OFFSET);
            s.handle[0] = -1;
            int status = tables.map(mem, op.dom(), op.ref(), op.hostAddr(), op.flags(), s.handle);
            op.status(status);
            op.handle(status == GNTST_okay ? s.handle[0] : -1);
            op.devBusAddr(0);
            rc = ctx.copyOut(at + GnttabMapGrantRefFlyweight.STATUS_OFFSET,
                    CallContext.ARG_OFFSET + GnttabMapGrantRefFlyweight.STATUS_OFFSET,
                    GnttabMapGrantRefFlyweight.LENGTH - GnttabMapGrantRefFlyweight.STATUS_OFFSET);
            if (rc < 0) {
                if (status == GNTST_okay) {
                    tables.unmap(mem, 0, s.handle[0]); // the guest would never learn the handle
                }
                return rc;
            }
        }
        return 0;
    }

    private long unmap(CallContext ctx, DomainMemory mem, long uop, int count, Scratch s) {
        for (int i = 0; i < count; i++) {
            long at = uop + (long) i * GnttabUnmapGrantRefFlyweight.LENGTH;
            int rc = ctx.copyIn(at, CallContext.ARG_OFFSET, GnttabUnmapGrantRefFlyweight.LENGTH);
            if (rc < 0) {
                return rc;
            }
            GnttabUnmapGrantRefFlyweight op = s.unmap.wrap(ctx.buffer(), CallContext.ARG_OFFSET);
            op.status(tables.unmap(mem, op.hostAddr(), op.handle()));
            rc = ctx.copyOut(at + GnttabUnmapGrantRefFlyweight.STATUS_OFFSET,
                    CallContext.ARG_OFFSET + GnttabUnmapGrantRefFlyweight.STATUS_OFFSET, 2);
            if (rc < 0) {
                return rc;
            }
        }
        return 0;
    }

    private long copy(CallContext ctx, DomainMemory mem, long uop, int count, Scratch s) {
        for (int i = 0; i < count; i++) {
            long at = uop + (long) i * GnttabCopyFlyweight.LENGTH;
            int rc = ctx.copyIn(at, CallContext.ARG_OFFSET, GnttabCopyFlyweight.LENGTH);
            if (rc < 0) {
                return rc;
            }
            GnttabCopyFlyweight op = s.copy.wrap(ctx.buffer(), CallContext.ARG_OFFSET);
            int flags = op.flags();
            long source = (flags & GrantTableOp.GNTCOPY_source_gref) != 0 ? op.sourceRef() & 0xffffffffL : op.sourceGmfn();
            long dest = (flags & GrantTableOp.GNTCOPY_dest_gref) != 0 ? op.destRef() & 0xffffffffL : op.destGmfn();
            int status = tables.copy(mem, source, op.sourceDomid(), op.sourceOffset(), dest, op.destDomid(),
                    op.destOffset(), op.len(), flags, s.bounce);
            op.status(status);
            rc = ctx.copyOut(at + GnttabCopyFlyweight.STATUS_OFFSET,
                    CallContext.ARG_OFFSET + GnttabCopyFlyweight.STATUS_OFFSET, 2);
            if (rc < 0) {
                return rc;
            }
        }
        return 0;
    }
}
