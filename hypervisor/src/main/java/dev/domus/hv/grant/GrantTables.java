package dev.domus.hv.grant;

import static dev.domus.abi.GrantTableOp.GNTCOPY_dest_gref;
import static dev.domus.abi.GrantTableOp.GNTCOPY_source_gref;
import static dev.domus.abi.GrantTableOp.GNTMAP_contains_pte;
import static dev.domus.abi.GrantTableOp.GNTMAP_device_map;
import static dev.domus.abi.GrantTableOp.GNTMAP_host_map;
import static dev.domus.abi.GrantTableOp.GNTMAP_readonly;
import static dev.domus.abi.GrantTableOp.GNTST_bad_copy_arg;
import static dev.domus.abi.GrantTableOp.GNTST_bad_domain;
import static dev.domus.abi.GrantTableOp.GNTST_bad_gntref;
import static dev.domus.abi.GrantTableOp.GNTST_bad_handle;
import static dev.domus.abi.GrantTableOp.GNTST_bad_page;
import static dev.domus.abi.GrantTableOp.GNTST_bad_virt_addr;
import static dev.domus.abi.GrantTableOp.GNTST_general_error;
import static dev.domus.abi.GrantTableOp.GNTST_no_space;
import static dev.domus.abi.GrantTableOp.GNTST_okay;
import static dev.domus.abi.GrantTableOp.GNTST_permission_denied;
import static dev.domus.abi.Xen.PAGE_SHIFT;
import static dev.domus.abi.Xen.PAGE_SIZE;
import static dev.domus.abi.XenErrno.XEN_EBUSY;
import static dev.domus.abi.XenErrno.XEN_ESRCH;

import dev.domus.abi.Xen;
import dev.domus.hv.mem.DomainMemory;
import dev.domus.hv.p2m.P2mType;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;
import org.agrona.MutableDirectBuffer;

/**
 * The host's grant tables (v1): each domain's table of {@code grant_entry_v1} in its own memory,
 * the hypervisor's trusted record of which entries are in use (Xen's active entries), and each
 * domain's maptrack of the grants it has mapped. The semantics are Xen 4.17's
 * {@code common/grant_table.c}, on Java values; {@link GrantTableHandler} is the hypercall side.
 *
 * <p><b>Trust.</b> The shared entries are guest memory the granter may rewrite at any time.
 * The hypervisor reads an entry's flags and domid as one word and claims it with a
 * compare-and-set of GTF_reading/GTF_writing (so the granter's own CAS that clears the flags
 * fails while the entry is in use, which is how "revoking a grant in use is refused"); it then
 * reads the frame once and keeps it in the active entry, ignoring later rewrites while pinned.
 * A domain reaches another's page only through an entry that names it as grantee.
 *
 * <p><b>Locking.</b> Each table and each maptrack has its own monitor; no two are held at once,
 * and the memory locks ({@link DomainMemory}) are taken inside them, never the other way round.
 *
 * <p><b>Lifetime.</b> State is keyed by the domain's {@link DomainMemory} (a reused domid gets a
 * fresh table). {@link #domainDestroyed} drops a domain's table and releases the pins its maps
 * held on other domains' entries; frames mapped from a destroyed granter stay valid for the
 * mapper (their references are held) until it unmaps them.
 */
public final class GrantTables {

    /** Xen 4.17's default {@code max_grant_frames}. */
    public static final int MAX_GRANT_FRAMES = 64;
    /** Grant entries per frame (v1 entries are 8 bytes). */
    public static final int ENTRIES_PER_FRAME = PAGE_SIZE / 8;
    /** Maptrack handles per domain (Xen's default max_maptrack_frames worth, rounded). */
    public static final int MAX_MAPTRACK = 1 << 16;

    private final IntFunction<DomainMemory> domains;
    private final AtomicReferenceArray<DomainGrants> state = new AtomicReferenceArray<>(Xen.DOMID_FIRST_RESERVED);

    /** @param domains the live domain's memory by domid, or null if there is no such domain */
    public GrantTables(IntFunction<DomainMemory> domains) {
        this.domains = domains;
    }

    /** Per-domain state: its own table (as granter) and its maptrack (as mapper). */
    private static final class DomainGrants {
        final DomainMemory memory;
        // table (guarded by this)
        long[] framePfns = new long[0];
        int[] pinRo = new int[0];
        int[] pinRw = new int[0];
        long[] activeFrame = new long[0];
        boolean dead;
        // maptrack (guarded by maptrack)
        final Maptrack maptrack = new Maptrack();

        DomainGrants(DomainMemory memory) {
            this.memory = memory;
        }

        int nrEntries() {
            return framePfns.length * ENTRIES_PER_FRAME;
        }

        long entryAddress(int ref) {
            return (framePfns[ref / ENTRIES_PER_FRAME] << PAGE_SHIFT) + (long) (ref % ENTRIES_PER_FRAME) * 8;
        }
    }

    /** One mapper's handles: granter, ref, where it is mapped, how. */
    private static final class Maptrack {
        DomainGrants[] granter = new DomainGrants[16];
        int[] ref = new int[16];
        long[] hostPfn = new long[16];
        boolean[] readOnly = new boolean[16];
        int[] free = new int[16];
        int freeCount;
        int used;

        int allocate() {
            if (freeCount > 0) {
                return free[--freeCount];
            }
            if (used == granter.length) {
                if (used >= MAX_MAPTRACK) {
                    return -1;
                }
                int n = Math.min(MAX_MAPTRACK, used * 2);
                granter = java.util.Arrays.copyOf(granter, n);
                ref = java.util.Arrays.copyOf(ref, n);
                hostPfn = java.util.Arrays.copyOf(hostPfn, n);
                readOnly = java.util.Arrays.copyOf(readOnly, n);
                free = java.util.Arrays.copyOf(free, n);
            }
            return used++;
        }

        void release(int handle) {
            granter[handle] = null;
            free[freeCount++] = handle;
        }
    }

    private DomainGrants grants(DomainMemory m) {
        int domid = m.domid();
        while (true) {
            DomainGrants g = state.get(domid);
            if (g != null && g.memory == m) {
                return g;
            }
            DomainGrants fresh = new DomainGrants(m);
            if (state.compareAndSet(domid, g, fresh)) {
                return fresh;
            }
        }
    }

    private DomainGrants lookup(int domid) {
        if (domid < 0 || domid >= Xen.DOMID_FIRST_RESERVED) {
            return null;
        }
        DomainMemory m = domains.apply(domid);
        return m == null || m.isDying() ? null : grants(m);
    }

    // ------------------------------------------------------------------ setup / query

    /**
     * GNTTABOP_setup_table: makes {@code dom}'s table at least {@code nrFrames} frames (it never
     * shrinks) and writes the first {@code nrFrames} frame numbers (guest PFNs of {@code dom})
     * into {@code frameList}.
     *
     * @return a GNTST_* status
     */
    public int setupTable(DomainMemory dom, int nrFrames, long[] frameList) {
        if (nrFrames < 0 || nrFrames > MAX_GRANT_FRAMES || frameList.length < nrFrames) {
            return GNTST_general_error;
        }
        DomainGrants g = grants(dom);
        synchronized (g) {
            if (g.dead || dom.isDying()) {
                return GNTST_bad_domain;
            }
            int have = g.framePfns.length;
            if (nrFrames > have) {
                long[] pfns = java.util.Arrays.copyOf(g.framePfns, nrFrames);
                for (int i = have; i < nrFrames; i++) {
                    long pfn = dom.addHypervisorPage();
                    if (pfn < 0) {
                        g.framePfns = java.util.Arrays.copyOf(pfns, i);
                        growActive(g);
                        return GNTST_general_error;
                    }
                    pfns[i] = pfn;
                }
                g.framePfns = pfns;
                growActive(g);
            }
            System.arraycopy(g.framePfns, 0, frameList, 0, nrFrames);
            return GNTST_okay;
        }
    }

    private static void growActive(DomainGrants g) {
        int n = g.nrEntries();
        g.pinRo = java.util.Arrays.copyOf(g.pinRo, n);
        g.pinRw = java.util.Arrays.copyOf(g.pinRw, n);
        g.activeFrame = java.util.Arrays.copyOf(g.activeFrame, n);
    }

    /** GNTTABOP_query_size: the number of frames in {@code dom}'s table now. */
    public int nrFrames(DomainMemory dom) {
        DomainGrants g = grants(dom);
        synchronized (g) {
            return g.framePfns.length;
        }
    }

    // ------------------------------------------------------------------ pins on the granter's entry

    /**
     * Claims entry {@code ref} of {@code g} for {@code grantee}: checks the shared entry permits
     * it (and writing, unless {@code readOnly}), sets GTF_reading (and GTF_writing) with a CAS,
     * and returns the granted PFN, or a GNTST_* status (negative).
     */
    private long pin(DomainGrants g, int ref, int grantee, boolean readOnly) {
        synchronized (g) {
            if (g.dead) {
                return GNTST_bad_domain;
            }
            if (ref < 0 || ref >= g.nrEntries()) {
                return GNTST_bad_gntref;
            }
            long e = g.entryAddress(ref);
            int needed = dev.domus.abi.GrantTableOp.GTF_reading | (readOnly ? 0 : dev.domus.abi.GrantTableOp.GTF_writing);
            for (int attempt = 0; ; attempt++) {
                long word = readInt(g.memory, e);
                if (word < 0 && word != (int) word) {
                    return GNTST_bad_domain;
                }
                int w = (int) word;
                int flags = w & 0xffff;
                int domid = w >>> 16;
                if ((flags & dev.domus.abi.GrantTableOp.GTF_type_mask) != dev.domus.abi.GrantTableOp.GTF_permit_access
                        || domid != grantee) {
                    return GNTST_permission_denied;
                }
                if (!readOnly && (flags & dev.domus.abi.GrantTableOp.GTF_readonly) != 0) {
                    return GNTST_permission_denied;
                }
                if ((flags & needed) == needed) {
                    break;
                }
                int rc = g.memory.compareAndSetGuestInt(e, w, w | needed);
                if (rc == 1) {
                    break;
                }
                if (rc < 0) {
                    return GNTST_bad_domain;
                }
                if (attempt > 64) {
                    return GNTST_general_error; // the granter keeps rewriting the entry
                }
            }
            long frame;
            if (g.pinRo[ref] + g.pinRw[ref] > 0) {
                frame = g.activeFrame[ref]; // pinned: later rewrites of the entry are ignored
            } else {
                long f = readInt(g.memory, e + 4);
                if (f < 0 && f != (int) f) {
                    return GNTST_bad_domain;
                }
                frame = f & 0xffffffffL;
                g.activeFrame[ref] = frame;
            }
            if (readOnly) {
                g.pinRo[ref]++;
            } else {
                g.pinRw[ref]++;
            }
            return frame;
        }
    }

    /** Drops one pin; clears GTF_writing / GTF_reading when the last of its kind goes. */
    private static void unpin(DomainGrants g, int ref, boolean readOnly) {
        synchronized (g) {
            if (g.dead || ref >= g.pinRo.length) {
                return;
            }
            if (readOnly) {
                if (g.pinRo[ref] > 0) {
                    g.pinRo[ref]--;
                }
            } else if (g.pinRw[ref] > 0) {
                g.pinRw[ref]--;
            }
            int clear = 0;
            if (g.pinRw[ref] == 0) {
                clear |= dev.domus.abi.GrantTableOp.GTF_writing;
            }
            if (g.pinRw[ref] + g.pinRo[ref] == 0) {
                clear |= dev.domus.abi.GrantTableOp.GTF_reading;
            }
            long e = g.entryAddress(ref);
            for (int attempt = 0; attempt < 64; attempt++) {
                long word = readInt(g.memory, e);
                if (word < 0 && word != (int) word) {
                    return;
                }
                int w = (int) word;
                if ((w & clear) == 0 || g.memory.compareAndSetGuestInt(e, w, w & ~clear) != 0) {
                    return;
                }
            }
        }
    }

    private static final ThreadLocal<org.agrona.concurrent.UnsafeBuffer> WORD =
            ThreadLocal.withInitial(() -> new org.agrona.concurrent.UnsafeBuffer(new byte[4]));

    /** The 32-bit word at {@code gpa}, or a value outside the int range on fault. */
    private static long readInt(DomainMemory m, long gpa) {
        org.agrona.concurrent.UnsafeBuffer b = WORD.get();
        if (m.copyFromGuest(gpa, b, 0, 4) != 0) {
            return Long.MIN_VALUE;
        }
        return b.getInt(0, java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    // ------------------------------------------------------------------ map / unmap

    /**
     * GNTTABOP_map_grant_ref for {@code mapper}: maps grant {@code ref} of domain {@code dom} at
     * the mapper's guest-physical {@code hostAddr} (page-aligned), read-only if {@code flags}
     * has GNTMAP_readonly.
     *
     * @param handleOut receives the handle on success
     * @return a GNTST_* status
     */
    public int map(DomainMemory mapper, int dom, int ref, long hostAddr, int flags, int[] handleOut) {
        if ((flags & (GNTMAP_host_map | GNTMAP_device_map)) == 0) {
            return GNTST_bad_gntref;
        }
        if ((flags & (GNTMAP_device_map | GNTMAP_contains_pte)) != 0) {
            return GNTST_general_error; // no devices, and guest frames are translated
        }
        if (hostAddr < 0 || (hostAddr & (PAGE_SIZE - 1)) != 0 || (hostAddr >>> PAGE_SHIFT) >= mapper.maxPfn()) {
            return GNTST_bad_virt_addr;
        }
        if (dom == Xen.DOMID_SELF || dom == mapper.domid()) {
            return GNTST_permission_denied; // Domus maps only other domains' grants
        }
        DomainGrants granter = lookup(dom);
        if (granter == null) {
            return GNTST_bad_domain;
        }
        boolean readOnly = (flags & GNTMAP_readonly) != 0;
        long frame = pin(granter, ref, mapper.domid(), readOnly);
        if (frame < 0) {
            return (int) frame;
        }
        long hostPfn = hostAddr >>> PAGE_SHIFT;
        int rc = mapper.mapForeign(hostPfn, granter.memory, frame,
                readOnly ? P2mType.p2m_grant_map_ro : P2mType.p2m_grant_map_rw);
        if (rc != 0) {
            unpin(granter, ref, readOnly);
            return rc == -XEN_EBUSY ? GNTST_bad_virt_addr : rc == -XEN_ESRCH ? GNTST_bad_domain : GNTST_bad_page;
        }
        DomainGrants me = grants(mapper);
        int handle;
        synchronized (me.maptrack) {
            handle = me.maptrack.allocate();
            if (handle >= 0) {
                me.maptrack.granter[handle] = granter;
                me.maptrack.ref[handle] = ref;
                me.maptrack.hostPfn[handle] = hostPfn;
                me.maptrack.readOnly[handle] = readOnly;
            }
        }
        if (handle < 0) {
            mapper.unmapForeign(hostPfn);
            unpin(granter, ref, readOnly);
            return GNTST_no_space;
        }
        handleOut[0] = handle;
        return GNTST_okay;
    }

    /**
     * GNTTABOP_unmap_grant_ref for {@code mapper}: removes the mapping {@code handle}; a
     * non-zero {@code hostAddr} must be where it is mapped.
     *
     * @return a GNTST_* status
     */
    public int unmap(DomainMemory mapper, long hostAddr, int handle) {
        DomainGrants me = grants(mapper);
        DomainGrants granter;
        int ref;
        boolean readOnly;
        long hostPfn;
        synchronized (me.maptrack) {
            Maptrack t = me.maptrack;
            if (handle < 0 || handle >= t.used || t.granter[handle] == null) {
                return GNTST_bad_handle;
            }
            hostPfn = t.hostPfn[handle];
            if (hostAddr != 0 && hostAddr >>> PAGE_SHIFT != hostPfn) {
                return GNTST_bad_virt_addr;
            }
            granter = t.granter[handle];
            ref = t.ref[handle];
            readOnly = t.readOnly[handle];
            t.release(handle);
        }
        mapper.unmapForeign(hostPfn);
        unpin(granter, ref, readOnly);
        return GNTST_okay;
    }

    /** Handles currently mapped by {@code mapper}. */
    public int mappedCount(DomainMemory mapper) {
        DomainGrants me = grants(mapper);
        synchronized (me.maptrack) {
            return me.maptrack.used - me.maptrack.freeCount;
        }
    }

    // ------------------------------------------------------------------ copy

    /**
     * One GNTTABOP_copy segment for {@code caller}. A side flagged as a grant reference is
     * {@code (ref, domid, offset)} in the granter's table; the other side is a guest frame of
     * the caller itself ({@code DOMID_SELF} or its own domid). {@code bounce} holds at least
     * one page.
     *
     * @return a GNTST_* status
     */
    public int copy(DomainMemory caller, long source, int sourceDom, int sourceOffset,
                    long dest, int destDom, int destOffset, int len, int flags, MutableDirectBuffer bounce) {
        if ((flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref)) != 0 || len < 0 || len > PAGE_SIZE
                || sourceOffset < 0 || destOffset < 0 || sourceOffset + len > PAGE_SIZE || destOffset + len > PAGE_SIZE) {
            return GNTST_bad_copy_arg;
        }
        boolean srcGref = (flags & GNTCOPY_source_gref) != 0;
        boolean dstGref = (flags & GNTCOPY_dest_gref) != 0;
        DomainGrants srcG = null;
        DomainGrants dstG = null;
        DomainMemory srcMem;
        DomainMemory dstMem;
        long srcPfn;
        long dstPfn;
        int rc = GNTST_okay;
        if (srcGref) {
            srcG = lookup(sourceDom == Xen.DOMID_SELF ? caller.domid() : sourceDom);
            if (srcG == null) {
                return GNTST_bad_domain;
            }
            if (source < 0 || source > Integer.MAX_VALUE) {
                return GNTST_bad_gntref;
            }
            srcPfn = pin(srcG, (int) source, caller.domid(), true);
            if (srcPfn < 0) {
                return (int) srcPfn;
            }
            srcMem = srcG.memory;
        } else {
            if (sourceDom != Xen.DOMID_SELF && sourceDom != caller.domid()) {
                return GNTST_permission_denied;
            }
            srcMem = caller;
            srcPfn = source;
        }
        try {
            if (dstGref) {
                dstG = lookup(destDom == Xen.DOMID_SELF ? caller.domid() : destDom);
                if (dstG == null) {
                    return GNTST_bad_domain;
                }
                if (dest < 0 || dest > Integer.MAX_VALUE) {
                    return GNTST_bad_gntref;
                }
                dstPfn = pin(dstG, (int) dest, caller.domid(), false);
                if (dstPfn < 0) {
                    dstG = null;
                    return (int) dstPfn;
                }
                dstMem = dstG.memory;
            } else {
                if (destDom != Xen.DOMID_SELF && destDom != caller.domid()) {
                    return GNTST_permission_denied;
                }
                dstMem = caller;
                dstPfn = dest;
            }
            if (srcPfn < 0 || srcPfn >= srcMem.maxPfn() || dstPfn < 0 || dstPfn >= dstMem.maxPfn()) {
                return GNTST_bad_page;
            }
            if (!isRamOrShared(srcMem.typeOf(srcPfn)) || !isRamOrShared(dstMem.typeOf(dstPfn))) {
                return GNTST_bad_page;
            }
            if (len > 0) {
                if (srcMem.copyFromGuest((srcPfn << PAGE_SHIFT) + sourceOffset, bounce, 0, len) != 0
                        || dstMem.copyToGuest((dstPfn << PAGE_SHIFT) + destOffset, bounce, 0, len) != 0) {
                    rc = GNTST_bad_page;
                }
            }
            return rc;
        } finally {
            if (srcG != null) {
                unpin(srcG, (int) source, true);
            }
            if (dstG != null) {
                unpin(dstG, (int) dest, false);
            }
        }
    }

    /** A copy may touch the domain's own RAM and its grant-table pages, never foreign mappings. */
    private static boolean isRamOrShared(int type) {
        return P2mType.isRam(type) || type == P2mType.p2m_xen_shared;
    }

    // ------------------------------------------------------------------ destroy

    /**
     * A domain is being destroyed: its table is dropped (its frames go with its memory) and
     * every pin its own mappings held on other domains' entries is released. Call before or
     * after {@link DomainMemory#destroy()}.
     */
    public void domainDestroyed(DomainMemory dom) {
        int domid = dom.domid();
        DomainGrants g = state.get(domid);
        if (g == null || g.memory != dom) {
            return;
        }
        synchronized (g) {
            g.dead = true;
        }
        Maptrack t = g.maptrack;
        synchronized (t) {
            for (int h = 0; h < t.used; h++) {
                DomainGrants granter = t.granter[h];
                if (granter != null) {
                    dom.unmapForeign(t.hostPfn[h]);
                    unpin(granter, t.ref[h], t.readOnly[h]);
                    t.release(h);
                }
            }
        }
        state.compareAndSet(domid, g, null);
    }
}
