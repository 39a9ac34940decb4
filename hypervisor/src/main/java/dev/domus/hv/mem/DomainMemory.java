package dev.domus.hv.mem;

import static dev.domus.abi.Xen.PAGE_SHIFT;
import static dev.domus.abi.Xen.PAGE_SIZE;
import static dev.domus.abi.XenErrno.XEN_EAGAIN;
import static dev.domus.abi.XenErrno.XEN_EBUSY;
import static dev.domus.abi.XenErrno.XEN_EEXIST;
import static dev.domus.abi.XenErrno.XEN_EFAULT;
import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.abi.XenErrno.XEN_EIO;
import static dev.domus.abi.XenErrno.XEN_ENOENT;
import static dev.domus.abi.XenErrno.XEN_ENOMEM;
import static dev.domus.abi.XenErrno.XEN_ESRCH;
import static dev.domus.hv.mem.MachineMemory.UNSAFE;
import static dev.domus.hv.p2m.P2mType.p2m_ballooned;
import static dev.domus.hv.p2m.P2mType.p2m_grant_map_ro;
import static dev.domus.hv.p2m.P2mType.p2m_grant_map_rw;
import static dev.domus.hv.p2m.P2mType.p2m_invalid;
import static dev.domus.hv.p2m.P2mType.p2m_map_foreign;
import static dev.domus.hv.p2m.P2mType.p2m_map_foreign_ro;
import static dev.domus.hv.p2m.P2mType.p2m_ram_logdirty;
import static dev.domus.hv.p2m.P2mType.p2m_ram_paged;
import static dev.domus.hv.p2m.P2mType.p2m_ram_paging_out;
import static dev.domus.hv.p2m.P2mType.p2m_ram_rw;
import static dev.domus.hv.p2m.P2mType.p2m_ram_shared;

import dev.domus.hv.p2m.P2m;
import dev.domus.hv.p2m.P2mType;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One domain's memory, hypervisor side: its {@link P2m}, its frames, its reservation, the three
 * hooks (log-dirty, copy-on-write sharing, paging) and the vCPU views through which its guest
 * code touches memory.
 *
 * <h2>Concurrency design</h2>
 *
 * <p>Guest loads and stores go through a per-vCPU {@link GuestMemoryView}, whose translation
 * cache hit costs one volatile read (the P2M {@linkplain P2m#generation() generation}) and a few
 * plain loads, and takes no lock. Everything else (cache misses, populate, release, map, unmap,
 * log-dirty, sharing, paging, the hypervisor-side copies) runs under this object's monitor, so
 * P2M changes are serialized and every cache fill reads a consistent table.
 *
 * <p>The hazard is a vCPU that validated its cached translation just before the hypervisor
 * changed the mapping and then completes its access afterwards. Domus handles it as Xen handles
 * stale TLB entries, with epoch-based reclamation instead of a TLB flush IPI:
 * <ol>
 * <li>A change that revokes or moves a mapping bumps the generation, and the frame reference the
 *     entry held is not dropped but queued in this domain's {@link Quarantine}, tagged with the
 *     new generation. The frame therefore cannot be freed, scrubbed or handed to another domain
 *     while any vCPU might still write to it.</li>
 * <li>Each view publishes (release store) the generation at which it last passed a quiescent
 *     point ({@link GuestMemoryView#quiesce()}: hypercall entry, safepoints, blocking), after
 *     flushing its cache if the generation moved. A view that is {@linkplain
 *     GuestMemoryView#offline() offline} (vCPU blocked, paused, descheduled) holds nothing.</li>
 * <li>A quarantined reference is dropped ({@link FrameAllocator#put}) once every online view has
 *     quiesced at or after its generation. With every view offline (paused or destroyed domain)
 *     that is immediate.</li>
 * </ol>
 * A view coming back online first announces itself, then reads the generation (both volatile,
 * so the two sides of the handshake are totally ordered): a reclaimer that saw it offline freed
 * only frames whose removal the view will observe.
 *
 * <p><b>Log-dirty never loses a write.</b> With log-dirty on, only pages whose dirty bit is set
 * are writable ({@code rw}); the first write to a {@code logdirty} page takes the slow path, which
 * sets the bit before granting write access. CLEAN returns the bits, then revokes write access
 * (rw to logdirty) and bumps the generation. A vCPU may still complete a write through a stale
 * writable translation after CLEAN returned, too late for that round's copy. So the revoked
 * pages that a view which has not quiesced since still caches a writable translation for (at
 * most {@link GuestMemoryView#CACHE_SIZE} per view) are <em>carried</em> into the next CLEAN's
 * result, and keep being carried until every view has quiesced since the revocation (after
 * which no stale write is left in flight). When no view is online at CLEAN time (the final, paused round) nothing is carried.
 * Writes by the hypervisor (copyToGuest, grant copy) mark the bit under the lock; writable
 * mappings of this domain's frames by other domains keep their pages dirty in every round and
 * mark them once more when the last reference is finally dropped.
 *
 * <p><b>Copy-on-write.</b> A write to a {@code shared} page copies the frame into a fresh private
 * one (or, for the last sharer, takes the frame back), maps it {@code rw}, bumps the generation
 * so sibling vCPUs stop reading the old frame, and quarantines the old reference.
 *
 * <p><b>Paging.</b> Page-out is two-phase, like Xen's mem_paging nominate/evict: {@link
 * #nominatePageOut} revokes write access; {@link #evictPage} saves the frame to the {@link
 * PageStore} only if the page was not written since and every view has quiesced since the
 * nomination (else {@code -EBUSY} / {@code -EAGAIN}), so no write can land after the save. Any
 * access to a {@code paged} entry reads the page back first.
 *
 * <p>Lock order: two domains' locks are taken in domid order; the allocator's lock is innermost.
 */
public final class DomainMemory {

    /** Offline marker for a view's quiesced generation. */
    static final long OFFLINE = Long.MAX_VALUE;

    private final int domid;
    private final FrameAllocator allocator;
    private final MachineMemory memory;
    private final P2m p2m;
    private final Quarantine quarantine = new Quarantine();
    private final Long2LongHashMap nominatedAt = new Long2LongHashMap(-1);
    private final UnsafeBuffer pageBuffer = new UnsafeBuffer(0, 0);
    private final AtomicInteger writableForeignMaps = new AtomicInteger();
    private final Long2ObjectHashMap<DomainMemory> foreignOwner = new Long2ObjectHashMap<>();

    private volatile GuestMemoryView[] views = new GuestMemoryView[0];
    private volatile boolean quarantinePending;
    private volatile boolean dying;
    private long maxPages;
    private long pages;
    private PageStore pageStore;

    /** The pager's ring (vm_event paging), or null; see {@link #enablePager}. */
    private PagingRing pager;
    /** Paged-out pages whose content only the pager holds (a lazy restore); null until used. */
    private java.util.BitSet pagerBacked;
    /** Pages of {@link #pagerBacked} already requested on the ring. */
    private java.util.BitSet pagerRequested;
    /** Pages of {@link #pagerBacked} the pager answered without content: a touch faults. */
    private java.util.BitSet pagerFailed;
    private int pagerWaiters;
    private boolean pagerAborted;

    private volatile AtomicLongArray dirty;
    /** Accessed bit per PFN: set when a vCPU view (re)establishes a translation (under the lock). */
    private long[] accessed;
    /**
     * Pages a not-yet-quiesced view may still write through a translation cached before their
     * write access was revoked: reported in every CLEAN until every view has quiesced since.
     */
    private long[] carry;
    /** Scratch for {@link #carryStaleWritable} (used under the lock). */
    private final long[] staleTags = new long[GuestMemoryView.CACHE_SIZE];
    private long lastCleanGeneration;

    /**
     * Memory for domain {@code domid}: a guest-physical space of {@code maxPfn} frames, of which
     * at most {@code maxPages} may be populated. Nothing is populated yet.
     */
    public DomainMemory(int domid, FrameAllocator allocator, long maxPfn, long maxPages) {
        if (domid < 0 || domid >= dev.domus.abi.Xen.DOMID_FIRST_RESERVED) {
            throw new IllegalArgumentException("bad domid " + domid);
        }
        if (maxPages < 0 || maxPages > maxPfn) {
            throw new IllegalArgumentException("max pages " + maxPages + " must be within 0.." + maxPfn);
        }
        this.domid = domid;
        this.allocator = allocator;
        this.memory = allocator.memory();
        this.p2m = new P2m(maxPfn);
        this.maxPages = maxPages;
        this.accessed = new long[words(maxPfn)];
    }

    /** The domain this memory belongs to. */
    public int domid() {
        return domid;
    }

    /** The domain's P2M (its entries are read under this object's lock only). */
    public P2m p2m() {
        return p2m;
    }

    FrameAllocator allocator() {
        return allocator;
    }

    MachineMemory memory() {
        return memory;
    }

    // ------------------------------------------------------------------ vCPU views

    /**
     * A new view for one vCPU thread (or any hypervisor thread that touches this domain's memory
     * often, such as an async-ring drainer). It starts online. Its owner thread alone uses it and
     * must call {@link GuestMemoryView#quiesce()} at safepoints and {@link
     * GuestMemoryView#offline()} when it stops running guest code.
     */
    public synchronized GuestMemoryView newView() {
        return newView(0);
    }

    /** As {@link #newView()}, for vCPU {@code vcpu} (named in the pager's requests). */
    public synchronized GuestMemoryView newView(int vcpu) {
        GuestMemoryView v = new GuestMemoryView(this, p2m);
        v.vcpuId = vcpu;
        GuestMemoryView[] old = views;
        GuestMemoryView[] next = java.util.Arrays.copyOf(old, old.length + 1);
        next[old.length] = v;
        views = next;
        return v;
    }

    synchronized void removeView(GuestMemoryView v) {
        GuestMemoryView[] old = views;
        int n = 0;
        GuestMemoryView[] next = new GuestMemoryView[Math.max(0, old.length - 1)];
        for (GuestMemoryView x : old) {
            if (x != v && n < next.length) {
                next[n++] = x;
            }
        }
        if (n == old.length - 1) {
            views = next;
        }
        reclaimLocked();
    }

    /** Smallest generation every online view has quiesced at ({@link #OFFLINE} if none is online). */
    private long minQuiesced() {
        long min = OFFLINE;
        for (GuestMemoryView v : views) {
            long q = v.quiescedGeneration();
            if (q < min) {
                min = q;
            }
        }
        return min;
    }

    private boolean allQuiescedSince(long generation) {
        return minQuiesced() >= generation;
    }

    /**
     * Drops the quarantined frame references no view can reach any more. Called by the views
     * when they quiesce or go offline; the core may call it too (after pausing the domain).
     *
     * @return the number of references dropped
     */
    public synchronized int reclaim() {
        return reclaimLocked();
    }

    /** Reclaims if anything waits in quarantine (called by views at quiescent points). */
    void reclaimIfPending() {
        if (quarantinePending) {
            reclaim();
        }
    }

    boolean quarantinePending() {
        return quarantinePending;
    }

    /** Frame references waiting in quarantine. */
    public synchronized int quarantined() {
        return quarantine.size();
    }

    private int reclaimLocked() {
        if (quarantine.isEmpty()) {
            return 0;
        }
        long min = minQuiesced();
        int n = 0;
        while (!quarantine.isEmpty() && quarantine.headGeneration() <= min) {
            long mfn = quarantine.headMfn();
            DomainMemory owner = quarantine.headOwner();
            quarantine.removeHead();
            if (owner != null) {
                owner.releaseWritableForeignRef(mfn);
            }
            allocator.put(mfn);
            n++;
        }
        quarantinePending = !quarantine.isEmpty();
        return n;
    }

    private void retire(long mfn, long generation, DomainMemory writableOwner) {
        quarantine.add(mfn, generation, writableOwner);
        quarantinePending = true;
    }

    // ------------------------------------------------------------------ reservation

    /** Pages the domain holds (Xen's tot_pages: RAM entries, including shared and paged-out ones). */
    public synchronized long currentReservation() {
        return pages;
    }

    /** Pages mapped to a copy-on-write shared frame (Xen's shr_pages). */
    public synchronized long sharedPages() {
        return p2m.count(p2m_ram_shared);
    }

    /** Pages paged out to the page store (Xen's paged_pages). */
    public synchronized long pagedPages() {
        return p2m.count(p2m_ram_paged);
    }

    /** Pages given back by the balloon driver and not yet populated again. */
    public synchronized long balloonedPages() {
        return p2m.count(p2m_ballooned);
    }

    /** The domain's maximum reservation in pages (Xen's max_pages). */
    public synchronized long maximumReservation() {
        return maxPages;
    }

    /** Bytes of guest-physical address space. */
    public long size() {
        return p2m.maxPfn() << PAGE_SHIFT;
    }

    /** Number of guest frames in the address space. */
    public synchronized long maxPfn() {
        return p2m.maxPfn();
    }

    /**
     * Sets the maximum reservation (XEN_DOMCTL_max_mem); the address space grows to hold it.
     *
     * @return 0, or {@code -XEN_EINVAL} for a negative value or one below the current reservation
     */
    public synchronized int setMaxPages(long newMax) {
        if (newMax < pages || newMax > Integer.MAX_VALUE - 8) {
            return -XEN_EINVAL;
        }
        maxPages = newMax;
        if (newMax > p2m.maxPfn()) {
            p2m.grow(newMax);
            accessed = java.util.Arrays.copyOf(accessed, words(newMax));
            AtomicLongArray d = dirty;
            if (d != null) {
                growDirty(newMax);
            }
        }
        return 0;
    }

    /**
     * Populates guest frame {@code pfn} with a zeroed frame (populate_physmap, one page).
     *
     * @return 0; {@code -XEN_EINVAL} if {@code pfn} is outside the address space;
     *         {@code -XEN_EEXIST} if it already holds memory; {@code -XEN_ENOMEM} if the domain is
     *         at its maximum or the host is out of frames; {@code -XEN_ESRCH} if the domain is dying
     */
    public synchronized int populate(long pfn) {
        if (dying) {
            return -XEN_ESRCH;
        }
        if (!p2m.inRange(pfn)) {
            return -XEN_EINVAL;
        }
        int t = p2m.type(pfn);
        if (t != p2m_invalid && t != p2m_ballooned) {
            return -XEN_EEXIST;
        }
        if (pages >= maxPages) {
            return -XEN_ENOMEM;
        }
        long mfn = allocFrame(pfn);
        if (mfn < 0) {
            return -XEN_ENOMEM;
        }
        AtomicLongArray d = dirty;
        p2m.set(pfn, mfn, d != null ? p2m_ram_logdirty : p2m_ram_rw);
        pages++;
        markDirty(pfn);
        return 0;
    }

    /**
     * Populates {@code count} frames from {@code firstPfn}; stops at the first failure.
     *
     * @return the number populated, or a negated error if none was
     */
    public synchronized long populateRange(long firstPfn, long count) {
        long done = 0;
        for (; done < count; done++) {
            int rc = populate(firstPfn + done);
            if (rc < 0) {
                return done > 0 ? done : rc;
            }
        }
        return done;
    }

    /**
     * Gives guest frame {@code pfn} back (decrease_reservation): the entry becomes {@code
     * ballooned} and the frame is freed once no vCPU can reach it.
     *
     * @return 0, or {@code -XEN_EINVAL} if {@code pfn} holds no RAM of this domain (never
     *         populated, already ballooned, or a foreign mapping), {@code -XEN_ESRCH} if dying
     */
    public synchronized int release(long pfn) {
        if (dying) {
            return -XEN_ESRCH;
        }
        int t = p2m.type(pfn);
        if (!P2mType.isRam(t)) {
            return -XEN_EINVAL;
        }
        nominatedAt.remove(pfn);
        if (t == p2m_ram_paged) {
            p2m.set(pfn, 0, p2m_ballooned);
            if (isPagerBacked(pfn)) {
                clearPagerBacked(pfn);
            } else if (pageStore != null) {
                pageStore.discard(domid, pfn);
            }
        } else {
            long mfn = p2m.mfn(pfn);
            p2m.set(pfn, 0, p2m_ballooned);
            retire(mfn, p2m.bump(), null);
        }
        pages--;
        markDirty(pfn);
        reclaimLocked();
        return 0;
    }

    private long allocFrame(long pfn) {
        long mfn = allocator.alloc(domid, pfn);
        if (mfn == FrameAllocator.NO_FRAME && reclaimLocked() > 0) {
            mfn = allocator.alloc(domid, pfn);
        }
        return mfn;
    }

    /** True once {@link #destroy()} ran. */
    public boolean isDying() {
        return dying;
    }

    /**
     * Releases every frame and mapping of the domain. Accesses through its views fault from now
     * on; frame references go through the quarantine, so they are freed at once if every view is
     * offline (the core stops the vCPUs first) and otherwise as soon as the views quiesce, go
     * offline or close. Frames other domains still map stay allocated until they unmap them.
     * Idempotent.
     */
    public synchronized void destroy() {
        if (dying) {
            reclaimLocked();
            return;
        }
        dying = true;
        long max = p2m.maxPfn();
        // One bump covers every entry: the lock is held throughout, so no view fills its cache
        // from a half-destroyed table, and every retired reference waits for that generation.
        long gen = p2m.bump();
        for (long pfn = 0; pfn < max; pfn++) {
            int t = p2m.type(pfn);
            if (P2mType.hasFrame(t)) {
                retire(p2m.mfn(pfn), gen, writableOwnerOf(pfn, t));
            } else if (t == p2m_ram_paged && pageStore != null && !isPagerBacked(pfn)) {
                pageStore.discard(domid, pfn);
            }
            if (t != p2m_invalid) {
                p2m.set(pfn, 0, p2m_invalid);
            }
        }
        pages = 0;
        nominatedAt.clear();
        dirty = null;
        carry = null;
        pagerBacked = null;
        if (pager != null) {
            pager.close();
        }
        if (pagerWaiters > 0) {
            notifyAll(); // waiting vCPUs see the domain dying and fault
        }
        reclaimLocked();
    }

    // ------------------------------------------------------------------ translation (slow path)

    /**
     * Translates {@code pfn} for a read or a write, running the hooks: marks a logdirty page
     * dirty, breaks sharing, cancels a page-out nomination, pages a paged-out frame back in.
     *
     * @return the native address of the frame, with bit 0 set if it may be written; or a negated
     *         Xen error (the caller faults)
     */
    long resolveLocked(long pfn, boolean write) {
        if (dying || !p2m.inRange(pfn)) {
            return -XEN_EFAULT;
        }
        int t = p2m.type(pfn);
        switch (t) {
            case p2m_ram_rw:
            case p2m_grant_map_rw:
            case p2m_map_foreign:
            case P2mType.p2m_xen_shared:
                return memory.frameAddress(p2m.mfn(pfn)) | 1;
            case p2m_grant_map_ro:
            case p2m_map_foreign_ro:
                return write ? -XEN_EFAULT : memory.frameAddress(p2m.mfn(pfn));
            case p2m_ram_logdirty:
                if (!write) {
                    return memory.frameAddress(p2m.mfn(pfn));
                }
                markDirty(pfn);
                p2m.setType(pfn, p2m_ram_rw);
                return memory.frameAddress(p2m.mfn(pfn)) | 1;
            case p2m_ram_paging_out:
                if (!write) {
                    return memory.frameAddress(p2m.mfn(pfn));
                }
                nominatedAt.remove(pfn);
                markDirty(pfn);
                p2m.setType(pfn, p2m_ram_rw);
                return memory.frameAddress(p2m.mfn(pfn)) | 1;
            case p2m_ram_shared:
                return write ? breakSharing(pfn) : memory.frameAddress(p2m.mfn(pfn));
            case p2m_ram_paged: {
                if (isPagerBacked(pfn)) {
                    // Only the pager has it: the caller waits for it (awaitPager), outside this lock.
                    return pager == null || pagerFailed.get((int) pfn) ? -XEN_EIO : -XEN_ENOENT;
                }
                int rc = pageIn(pfn);
                return rc < 0 ? rc : resolveLocked(pfn, write);
            }
            default:
                return -XEN_EFAULT;
        }
    }

    /** A human-readable reason why {@code pfn} faulted, for {@code GuestMemoryFault}. */
    synchronized String describeFault(long pfn, boolean write, long errno) {
        if (dying) {
            return "domain " + domid + " is dying";
        }
        if (!p2m.inRange(pfn)) {
            return "outside the guest-physical space of domain " + domid + " (" + p2m.maxPfn() + " frames)";
        }
        int t = p2m.type(pfn);
        if (errno == -XEN_ENOMEM) {
            return "out of memory breaking sharing or paging in (pfn 0x" + Long.toHexString(pfn) + ")";
        }
        if (errno == -XEN_EIO && isPagerBacked(pfn)) {
            return "the pager (Dom0) could not supply the page (pfn 0x" + Long.toHexString(pfn) + ")";
        }
        if (errno == -XEN_EIO) {
            return "page-in failed (pfn 0x" + Long.toHexString(pfn) + ")";
        }
        return (write ? "write to " : "access to ") + P2mType.name(t) + " frame (pfn 0x" + Long.toHexString(pfn) + ")";
    }

    private long breakSharing(long pfn) {
        long old = p2m.mfn(pfn);
        if (allocator.refCount(old) == 1) {
            allocator.unshare(old, domid, pfn);
            nominatedAt.remove(pfn);
            markDirty(pfn);
            p2m.setType(pfn, p2m_ram_rw);
            return memory.frameAddress(old) | 1;
        }
        long mfn = allocFrame(pfn);
        if (mfn < 0) {
            return -XEN_ENOMEM;
        }
        memory.copyFrame(old, mfn);
        nominatedAt.remove(pfn);
        p2m.set(pfn, mfn, p2m_ram_rw);
        markDirty(pfn);
        retire(old, p2m.bump(), null);
        // A write with no vCPU of ours online (Dom0's foreign map, a hypervisor copy into a
        // paused domain) is followed by no quiescent point of ours: reclaim now, or the shared
        // frame keeps our reference until the domain next runs.
        reclaimLocked();
        return memory.frameAddress(mfn) | 1;
    }

    private int pageIn(long pfn) {
        if (pageStore == null) {
            return -XEN_EIO;
        }
        long mfn = allocFrame(pfn);
        if (mfn < 0) {
            return -XEN_ENOMEM;
        }
        pageBuffer.wrap(memory.frameAddress(mfn), PAGE_SIZE);
        try {
            pageStore.readPage(domid, pfn, pageBuffer);
        } catch (IOException | RuntimeException e) {
            allocator.put(mfn); // never mapped: no vCPU can reach it
            return -XEN_EIO;
        }
        pageStore.discard(domid, pfn);
        p2m.set(pfn, mfn, dirty != null ? p2m_ram_logdirty : p2m_ram_rw);
        return 0;
    }

    // ------------------------------------------------------------------ hypervisor-side copies

    /**
     * Copies {@code length} bytes of guest memory at {@code gpa} into {@code dst[dstOffset..]}.
     * For any thread (it takes the domain's lock per page); a vCPU thread in a hypercall should
     * prefer its own {@link GuestMemoryView#copyFromGuest}. Never throws.
     *
     * @return 0, or {@code -XEN_EFAULT} if any byte is not readable guest memory or the
     *         destination range is bad (bytes before the fault may have been copied)
     */
    public int copyFromGuest(long gpa, MutableDirectBuffer dst, int dstOffset, int length) {
        if (!GuestMemoryView.validRange(gpa, length) || dst == null || dstOffset < 0
                || dstOffset > dst.capacity() - length) {
            return -XEN_EFAULT;
        }
        byte[] array = dst.byteArray();
        long base = dst.addressOffset() + dstOffset;
        while (length > 0) {
            int off = (int) (gpa & (PAGE_SIZE - 1));
            int n = Math.min(length, PAGE_SIZE - off);
            long a;
            synchronized (this) {
                a = resolveLocked(gpa >>> PAGE_SHIFT, false);
                if (a >= 0) {
                    UNSAFE.copyMemory(null, (a & ~1L) + off, array, base, n);
                }
            }
            if (a == -XEN_ENOENT) {
                // Paged out with the pager: wait for it without the lock, then retry the page.
                if (awaitPager(gpa >>> PAGE_SHIFT, 0) < 0) {
                    return -XEN_EFAULT;
                }
                continue;
            }
            if (a < 0) {
                return -XEN_EFAULT;
            }
            gpa += n;
            base += n;
            length -= n;
        }
        return 0;
    }

    /**
     * Copies {@code src[srcOffset..srcOffset+length)} into guest memory at {@code gpa}, running
     * the write hooks (marks dirty, breaks sharing, pages in). Never throws.
     *
     * @return 0, or {@code -XEN_EFAULT} if any byte is not writable guest memory or the source
     *         range is bad (bytes before the fault may have been written)
     */
    public int copyToGuest(long gpa, DirectBuffer src, int srcOffset, int length) {
        if (!GuestMemoryView.validRange(gpa, length) || src == null || srcOffset < 0
                || srcOffset > src.capacity() - length) {
            return -XEN_EFAULT;
        }
        byte[] array = src.byteArray();
        long base = src.addressOffset() + srcOffset;
        while (length > 0) {
            int off = (int) (gpa & (PAGE_SIZE - 1));
            int n = Math.min(length, PAGE_SIZE - off);
            long a;
            synchronized (this) {
                a = resolveLocked(gpa >>> PAGE_SHIFT, true);
                if (a >= 0 && (a & 1) != 0) {
                    UNSAFE.copyMemory(array, base, null, (a & ~1L) + off, n);
                }
            }
            if (a == -XEN_ENOENT) {
                if (awaitPager(gpa >>> PAGE_SHIFT, 0) < 0) {
                    return -XEN_EFAULT;
                }
                continue;
            }
            if (a < 0 || (a & 1) == 0) {
                return -XEN_EFAULT;
            }
            gpa += n;
            base += n;
            length -= n;
        }
        return 0;
    }

    /**
     * Atomically compares and sets the aligned 32-bit word at guest-physical {@code gpa} (for
     * the hypervisor's updates of structures the guest shares with it, such as grant entries'
     * GTF_reading/GTF_writing flags, which the guest CASes concurrently). Runs the write hooks.
     *
     * @return 1 if set, 0 if the word was not {@code expected}, {@code -XEN_EFAULT} if the
     *         address is misaligned or not writable guest memory
     */
    public int compareAndSetGuestInt(long gpa, int expected, int value) {
        while (true) {
            int rc = compareAndSetGuestIntOnce(gpa, expected, value);
            if (rc != -XEN_ENOENT) {
                return rc;
            }
            if (awaitPager(gpa >>> PAGE_SHIFT, 0) < 0) {
                return -XEN_EFAULT;
            }
        }
    }

    private synchronized int compareAndSetGuestIntOnce(long gpa, int expected, int value) {
        if (gpa < 0 || (gpa & 3) != 0) {
            return -XEN_EFAULT;
        }
        long a = resolveLocked(gpa >>> PAGE_SHIFT, true);
        if (a == -XEN_ENOENT) {
            return -XEN_ENOENT;
        }
        if (a < 0 || (a & 1) == 0) {
            return -XEN_EFAULT;
        }
        return UNSAFE.compareAndSwapInt(null, (a & ~1L) + (gpa & (PAGE_SIZE - 1)), expected, value) ? 1 : 0;
    }

    /**
     * Adds a zeroed hypervisor page shared with the guest (a grant-table frame) at the first PFN
     * above the current guest-physical space, which grows by one page. It is owned by this
     * domain for accounting (freed with it), is not part of the reservation, and cannot be
     * released or mapped by other domains.
     *
     * @return the PFN, or {@code -XEN_ENOMEM} / {@code -XEN_ESRCH} (dying)
     */
    public synchronized long addHypervisorPage() {
        if (dying) {
            return -XEN_ESRCH;
        }
        long pfn = p2m.maxPfn();
        if (pfn >= Integer.MAX_VALUE - 9) {
            return -XEN_ENOMEM;
        }
        long mfn = allocFrame(pfn);
        if (mfn < 0) {
            return -XEN_ENOMEM;
        }
        p2m.grow(pfn + 1);
        accessed = java.util.Arrays.copyOf(accessed, words(pfn + 1));
        if (dirty != null) {
            growDirty(pfn + 1);
        }
        p2m.set(pfn, mfn, P2mType.p2m_xen_shared);
        return pfn;
    }

    /** The P2M type of {@code pfn} ({@code p2m_invalid} outside the space). */
    public synchronized int typeOf(long pfn) {
        return p2m.type(pfn);
    }

    /** The MFN backing {@code pfn}, or -1 if the entry holds no frame. */
    public synchronized long mfnOf(long pfn) {
        return P2mType.hasFrame(p2m.type(pfn)) ? p2m.mfn(pfn) : -1;
    }

    // ------------------------------------------------------------------ foreign and grant maps

    /**
     * Maps guest frame {@code ownerPfn} of {@code owner} at this domain's {@code pfn}, as {@code
     * type} (one of {@code p2m_grant_map_rw}, {@code p2m_grant_map_ro}, {@code p2m_map_foreign},
     * {@code p2m_map_foreign_ro}). The frame's reference count is held while the mapping exists
     * (and until this domain's vCPUs can no longer reach it), so it is never freed under the
     * mapper. The owner's page is unshared or paged in first. Permission checks (privilege,
     * grants) are the caller's.
     *
     * @return 0; {@code -XEN_EINVAL} for a bad type, a self-map, a {@code pfn} outside this
     *         domain's space, or an owner frame that is not the owner's RAM; {@code -XEN_EBUSY} if
     *         {@code pfn} is already in use; {@code -XEN_ESRCH} if either domain is dying;
     *         {@code -XEN_ENOMEM} if the owner's page could not be brought in
     */
    public int mapForeign(long pfn, DomainMemory owner, long ownerPfn, int type) {
        if (!P2mType.isForeign(type) || owner == null || owner == this) {
            return -XEN_EINVAL;
        }
        DomainMemory first = domid < owner.domid ? this : owner;
        DomainMemory second = first == this ? owner : this;
        synchronized (first) {
            synchronized (second) {
                return mapForeignLocked(pfn, owner, ownerPfn, type);
            }
        }
    }

    private int mapForeignLocked(long pfn, DomainMemory owner, long ownerPfn, int type) {
        if (dying || owner.dying) {
            return -XEN_ESRCH;
        }
        if (!p2m.inRange(pfn)) {
            return -XEN_EINVAL;
        }
        int t = p2m.type(pfn);
        if (t != p2m_invalid && t != p2m_ballooned) {
            return -XEN_EBUSY;
        }
        int ot = owner.p2m.type(ownerPfn);
        if (!P2mType.isRam(ot)) {
            return -XEN_EINVAL;
        }
        boolean writable = type == p2m_grant_map_rw || type == p2m_map_foreign;
        // Page in (and, for a writable map, unshare). A read-only map must not count as a
        // write: it leaves a logdirty page clean and a shared page shared.
        long a = owner.resolveLocked(ownerPfn, writable);
        if (a < 0) {
            return (int) a == -XEN_EFAULT ? -XEN_EINVAL : (int) a;
        }
        long mfn = owner.p2m.mfn(ownerPfn);
        if (writable) {
            allocator.getWritable(mfn);
            owner.writableForeignMaps.incrementAndGet();
            owner.markDirty(ownerPfn);
        } else {
            allocator.get(mfn);
        }
        p2m.set(pfn, mfn, type);
        foreignOwner.put(pfn, owner);
        return 0;
    }

    /**
     * Removes a foreign or grant mapping at {@code pfn} (the slot becomes {@code invalid}); the
     * frame reference is dropped once this domain's vCPUs can no longer reach it.
     *
     * @return 0, or {@code -XEN_EINVAL} if {@code pfn} holds no foreign mapping
     */
    public synchronized int unmapForeign(long pfn) {
        int t = p2m.type(pfn);
        if (!P2mType.isForeign(t)) {
            return -XEN_EINVAL;
        }
        long mfn = p2m.mfn(pfn);
        p2m.set(pfn, 0, p2m_invalid);
        retire(mfn, p2m.bump(), writableOwnerOf(pfn, t));
        reclaimLocked();
        return 0;
    }

    /** The owner to notify when a writable foreign reference at {@code pfn} is finally dropped. */
    private DomainMemory writableOwnerOf(long pfn, int type) {
        DomainMemory owner = foreignOwner.remove(pfn);
        return type == p2m_grant_map_rw || type == p2m_map_foreign ? owner : null;
    }

    /**
     * Called (from the mapper's reclaim, without this domain's lock) when the last stale
     * translation of a writable mapping of our frame is gone: the page may have been written up
     * to now, so it counts as dirty once more.
     */
    private void releaseWritableForeignRef(long mfn) {
        allocator.dropWriteRef(mfn);
        writableForeignMaps.decrementAndGet();
        if (allocator.owner(mfn) == domid) {
            long pfn = allocator.m2p(mfn);
            if (pfn >= 0) {
                markDirty(pfn);
            }
        }
    }

    // ------------------------------------------------------------------ log-dirty

    private void markDirty(long pfn) {
        AtomicLongArray d = dirty;
        while (d != null) {
            int w = (int) (pfn >>> 6);
            long bit = 1L << (pfn & 63);
            if (w >= d.length()) {
                return;
            }
            long cur = d.get(w);
            if ((cur & bit) == 0 && !d.compareAndSet(w, cur, cur | bit)) {
                continue;
            }
            AtomicLongArray again = dirty;
            if (again == d) {
                return;
            }
            d = again; // the bitmap grew meanwhile: mark the new one too
        }
    }

    private void growDirty(long newMaxPfn) {
        AtomicLongArray old = dirty;
        int words = words(newMaxPfn);
        AtomicLongArray next = new AtomicLongArray(words);
        // Publish first, then merge: a lock-free marker that hit the old array re-reads the
        // reference after marking and so marks the new one too (see markDirty).
        dirty = next;
        for (int i = 0; i < old.length(); i++) {
            next.getAndAccumulate(i, old.get(i), (x, y) -> x | y);
        }
        carry = java.util.Arrays.copyOf(carry, words);
    }

    private static int words(long maxPfn) {
        return (int) ((maxPfn + 63) >>> 6);
    }

    /** Words (64 PFNs each) a log-dirty bitmap for this domain needs. */
    public synchronized int logDirtyBitmapWords() {
        return words(p2m.maxPfn());
    }

    /** True while log-dirty tracking is on. */
    public boolean logDirtyEnabled() {
        return dirty != null;
    }

    /**
     * Turns log-dirty tracking on (XEN_DOMCTL_SHADOW_OP_ENABLE with
     * XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY): every writable RAM page becomes {@code logdirty}.
     * Pages a vCPU that has not quiesced still caches a writable translation for count as dirty
     * in the first CLEAN (and until it quiesces).
     *
     * @return 0, {@code -XEN_EINVAL} if already on, {@code -XEN_ESRCH} if dying
     */
    public synchronized int logDirtyEnable() {
        if (dying) {
            return -XEN_ESRCH;
        }
        if (dirty != null) {
            return -XEN_EINVAL;
        }
        long max = p2m.maxPfn();
        for (long pfn = 0; pfn < max; pfn++) {
            if (p2m.type(pfn) == p2m_ram_rw) {
                p2m.setType(pfn, p2m_ram_logdirty);
            }
        }
        long gen = p2m.bump();
        lastCleanGeneration = gen;
        carry = new long[words(max)];
        carryStaleWritable(gen);
        dirty = new AtomicLongArray(words(max));
        reclaimLocked();
        return 0;
    }

    /** Turns log-dirty tracking off (XEN_DOMCTL_SHADOW_OP_OFF); logdirty pages become rw. */
    public synchronized int logDirtyDisable() {
        if (dirty == null) {
            return 0;
        }
        long max = p2m.maxPfn();
        for (long pfn = 0; pfn < max; pfn++) {
            if (p2m.type(pfn) == p2m_ram_logdirty) {
                p2m.setType(pfn, p2m_ram_rw); // widening: no generation bump needed
            }
        }
        dirty = null;
        carry = null;
        return 0;
    }

    /**
     * XEN_DOMCTL_SHADOW_OP_CLEAN: copies the dirty bitmap (bit {@code pfn % 64} of word {@code
     * pfn / 64}) into {@code bitmap}, clears it and write-protects the domain again, so the next
     * round sees only pages written from now on. See the class comment for why a page may be
     * reported in two consecutive rounds.
     *
     * @param bitmap at least {@link #logDirtyBitmapWords()} words, or null to only clean
     * @return the number of dirty pages reported, or {@code -XEN_EINVAL} if log-dirty is off or
     *         the bitmap is too small
     */
    public synchronized long logDirtyClean(long[] bitmap) {
        return collectDirty(bitmap, true);
    }

    /** XEN_DOMCTL_SHADOW_OP_PEEK: like {@link #logDirtyClean} without clearing anything. */
    public synchronized long logDirtyPeek(long[] bitmap) {
        return collectDirty(bitmap, false);
    }

    private long collectDirty(long[] bitmap, boolean clean) {
        AtomicLongArray d = dirty;
        if (d == null) {
            return -XEN_EINVAL;
        }
        int words = d.length();
        if (bitmap != null && bitmap.length < words) {
            return -XEN_EINVAL;
        }
        long count = 0;
        if (!clean) {
            for (int w = 0; w < words; w++) {
                long bits = d.get(w) | carry[w];
                if (bitmap != null) {
                    bitmap[w] = bits;
                }
                count += Long.bitCount(bits);
            }
            return count;
        }
        boolean oldCarryLanded = allQuiescedSince(lastCleanGeneration);
        for (int w = 0; w < words; w++) {
            long written = d.getAndSet(w, 0);
            long bits = written | carry[w];
            if (bitmap != null) {
                bitmap[w] = bits;
            }
            count += Long.bitCount(bits);
            if (oldCarryLanded) {
                carry[w] = 0;
            }
            // Only a page written since the last CLEAN can be writable: every way to rw sets
            // its bit first, under this lock. Re-protect those, not the whole guest (the stale
            // writes a revocation can miss are carried below, from the views' caches).
            for (long b = written; b != 0; b &= b - 1) {
                long pfn = ((long) w << 6) + Long.numberOfTrailingZeros(b);
                if (p2m.type(pfn) == p2m_ram_rw) {
                    p2m.setType(pfn, p2m_ram_logdirty);
                }
            }
        }
        long gen = p2m.bump();
        lastCleanGeneration = gen;
        if (allQuiescedSince(gen)) {
            java.util.Arrays.fill(carry, 0); // no view online: no stale writable translation
        } else {
            carryStaleWritable(gen);
        }
        if (writableForeignMaps.get() > 0) {
            markForeignWritable();
        }
        reclaimLocked();
        return count;
    }

    /**
     * After write access was revoked at generation {@code gen}: carries the RAM pages a view that
     * has not quiesced since may still write through a translation it cached before (at most
     * {@link GuestMemoryView#CACHE_SIZE} per view). Only those can take a write the dirty bitmap
     * misses; carrying every revoked page instead made the round after the first full copy
     * resend the whole guest whenever a vCPU had not yet passed a quiescent point (issue 9).
     * Call after the bump: a view that then still reads as offline comes back online at the
     * new generation, flushing its cache, so it can hold nothing stale.
     */
    private void carryStaleWritable(long gen) {
        long[] tags = staleTags;
        for (GuestMemoryView v : views) {
            if (v.quiescedGeneration() >= gen) {
                continue; // offline, or already past the revocation
            }
            v.writableTags(tags);
            for (long pfn : tags) {
                if (pfn >= 0 && p2m.inRange(pfn) && P2mType.isRam(p2m.type(pfn))) {
                    carry[(int) (pfn >>> 6)] |= 1L << (pfn & 63);
                }
            }
        }
    }

    /** Keeps pages that other domains map writably dirty in every round. */
    private void markForeignWritable() {
        long max = p2m.maxPfn();
        for (long pfn = 0; pfn < max; pfn++) {
            int t = p2m.type(pfn);
            if (P2mType.isRam(t) && t != p2m_ram_paged && allocator.writeRefs(p2m.mfn(pfn)) > 0) {
                markDirty(pfn);
            }
        }
    }

    // ------------------------------------------------------------------ paging

    /** Sets the store paged-out frames go to and come back from. */
    public synchronized void setPageStore(PageStore store) {
        this.pageStore = store;
    }

    /**
     * Nominates {@code pfn} for page-out (XENMEM_paging_op_nominate): write access is revoked;
     * a write before {@link #evictPage} cancels the nomination. Nominating again is a no-op.
     *
     * @return 0; {@code -XEN_EINVAL} if the page is not plain RAM or no page store is set;
     *         {@code -XEN_EBUSY} if another domain maps the frame; {@code -XEN_ESRCH} if dying
     */
    public synchronized int nominatePageOut(long pfn) {
        if (dying) {
            return -XEN_ESRCH;
        }
        int t = p2m.type(pfn);
        if (t == p2m_ram_paging_out && pageStore != null) {
            return 0; // already nominated: the earlier nomination stands
        }
        if (pageStore == null || (t != p2m_ram_rw && t != p2m_ram_logdirty)) {
            return -XEN_EINVAL;
        }
        if (allocator.refCount(p2m.mfn(pfn)) != 1) {
            return -XEN_EBUSY;
        }
        p2m.setType(pfn, p2m_ram_paging_out);
        nominatedAt.put(pfn, p2m.bump());
        return 0;
    }

    /**
     * Evicts a nominated page (XENMEM_paging_op_evict): saves it to the page store, frees its
     * frame (after the quarantine) and marks it {@code paged}.
     *
     * @return 0; {@code -XEN_EBUSY} if it is not nominated (or was written since);
     *         {@code -XEN_EAGAIN} if a vCPU has not passed a quiescent point since the
     *         nomination (retry later); {@code -XEN_EIO} if the store failed
     */
    public synchronized int evictPage(long pfn) {
        if (dying) {
            return -XEN_ESRCH;
        }
        if (p2m.type(pfn) != p2m_ram_paging_out) {
            return -XEN_EBUSY;
        }
        long nominated = nominatedAt.get(pfn);
        if (!allQuiescedSince(nominated)) {
            return -XEN_EAGAIN;
        }
        long mfn = p2m.mfn(pfn);
        pageBuffer.wrap(memory.frameAddress(mfn), PAGE_SIZE);
        try {
            pageStore.writePage(domid, pfn, pageBuffer);
        } catch (IOException | RuntimeException e) {
            return -XEN_EIO;
        }
        nominatedAt.remove(pfn);
        p2m.set(pfn, 0, p2m_ram_paged);
        retire(mfn, p2m.bump(), null);
        reclaimLocked();
        return 0;
    }

    /**
     * Copies paged-out page {@code pfn} from the page store into {@code dst[0..4096)} without
     * paging it in (a save or migration carries it as it is; the P2M and host memory do not
     * change).
     *
     * @return 0; {@code -XEN_EINVAL} if the page is not paged out; {@code -XEN_EIO} if the store
     *         cannot read it; {@code -XEN_ESRCH} if dying
     */
    public synchronized int readPagedOut(long pfn, MutableDirectBuffer dst) {
        if (dying) {
            return -XEN_ESRCH;
        }
        if (!p2m.inRange(pfn) || p2m.type(pfn) != p2m_ram_paged) {
            return -XEN_EINVAL;
        }
        if (isPagerBacked(pfn)) {
            return -XEN_ENOENT; // only the pager holds it (a lazy restore still loading)
        }
        if (pageStore == null) {
            return -XEN_EINVAL;
        }
        try {
            pageStore.readPage(domid, pfn, dst);
        } catch (IOException | RuntimeException e) {
            return -XEN_EIO;
        }
        return 0;
    }

    /** Nominates and evicts in one go; {@code -XEN_EAGAIN} if a vCPU is online and has not quiesced. */
    public synchronized int pageOut(long pfn) {
        int rc = nominatePageOut(pfn);
        return rc < 0 ? rc : evictPage(pfn);
    }

    // ------------------------------------------------------------------ the pager's ring (vm_event paging)

    /**
     * XEN_VM_EVENT_ENABLE for paging: sets up the domain's paging ring on a fresh frame of its
     * own (outside its physmap), with {@code port} (the domain's end of the ring's event
     * channel) and {@code notify} (raises it).
     *
     * @return the ring, or null if one is already set up, the domain is dying or the host has
     *         no free frame (the caller tells them apart with {@link #pager()} and
     *         {@link #isDying()})
     */
    public synchronized PagingRing enablePager(int port, Runnable notify, int maxVcpus) {
        if (dying || pager != null) {
            return null;
        }
        long mfn = allocFrame(-1);
        if (mfn < 0) {
            return null;
        }
        pager = new PagingRing(this, mfn, port, notify, Math.max(1, maxVcpus));
        return pager;
    }

    /** The paging ring, or null. */
    public synchronized PagingRing pager() {
        return pager;
    }

    /**
     * XEN_VM_EVENT_DISABLE: tears the ring down. Pages only the pager held can no longer come
     * in: touching them faults from now on (and the vCPUs waiting for one fault now).
     *
     * @return 0, or {@code -XEN_EINVAL} if no ring is set up
     */
    public synchronized int disablePager() {
        if (pager == null) {
            return -XEN_EINVAL;
        }
        pager.close();
        pager = null;
        if (pagerWaiters > 0) {
            notifyAll();
        }
        return 0;
    }

    private boolean isPagerBacked(long pfn) {
        return pagerBacked != null && pfn >= 0 && pfn < Integer.MAX_VALUE && pagerBacked.get((int) pfn);
    }

    /** The page is in (or gone): it no longer waits for the pager. */
    private void clearPagerBacked(long pfn) {
        pagerBacked.clear((int) pfn);
        pagerRequested.clear((int) pfn);
        pagerFailed.clear((int) pfn);
        if (pagerWaiters > 0) {
            notifyAll();
        }
    }

    /** Pages paged out whose content only the pager holds (not yet prepped). */
    public synchronized long pagerBackedPages() {
        return pagerBacked == null ? 0 : pagerBacked.cardinality();
    }

    /**
     * XENMEM_paging_op_domus_populate_paged: marks PFNs {@code first .. first + count - 1}, none
     * of which holds memory, paged out with their content held by the pager. No frame is
     * allocated; they count in the reservation (as paged-out pages do).
     *
     * @return {@code count}; {@code -XEN_EINVAL} without a paging ring or for a range outside the
     *         address space; {@code -XEN_EEXIST} if a PFN holds memory; {@code -XEN_ENOMEM} if
     *         the pages would exceed max_pages; {@code -XEN_ESRCH} if dying. On an error nothing
     *         changed.
     */
    public synchronized long populatePaged(long first, long count) {
        if (dying) {
            return -XEN_ESRCH;
        }
        if (pager == null || first < 0 || count < 0 || first > p2m.maxPfn() - count) {
            return -XEN_EINVAL;
        }
        for (long pfn = first; pfn < first + count; pfn++) {
            int t = p2m.type(pfn);
            if (t != p2m_invalid && t != p2m_ballooned) {
                return -XEN_EEXIST;
            }
        }
        if (pages + count > maxPages) {
            return -XEN_ENOMEM;
        }
        if (pagerBacked == null) {
            int bits = (int) Math.min(Integer.MAX_VALUE, p2m.maxPfn());
            pagerBacked = new java.util.BitSet(bits);
            pagerRequested = new java.util.BitSet();
            pagerFailed = new java.util.BitSet();
        }
        for (long pfn = first; pfn < first + count; pfn++) {
            p2m.set(pfn, 0, p2m_ram_paged); // held no frame: no view can have it cached
        }
        pagerBacked.set((int) first, (int) (first + count));
        pages += count;
        return count;
    }

    /**
     * XENMEM_paging_op_prep (Xen 4.17, with {@code buffer}): pages {@code pfn} in with the
     * content {@code src[0..4096)}, whether the pager held it (a lazy restore) or the paging
     * file did. Wakes the vCPUs waiting for it.
     *
     * @return 0; {@code -XEN_ENOENT} if the page is not paged out (already in: the caller skips
     *         it); {@code -XEN_EINVAL} outside the address space; {@code -XEN_ENOMEM} if no frame
     *         is free; {@code -XEN_ESRCH} if dying
     */
    public synchronized int prepPage(long pfn, DirectBuffer src) {
        if (dying) {
            return -XEN_ESRCH;
        }
        if (!p2m.inRange(pfn)) {
            return -XEN_EINVAL;
        }
        if (p2m.type(pfn) != p2m_ram_paged) {
            return -XEN_ENOENT;
        }
        long mfn = allocFrame(pfn);
        if (mfn < 0) {
            return -XEN_ENOMEM;
        }
        if (!isZero(src)) { // a fresh frame is zero: a zero page stays untouched (non-resident)
            pageBuffer.wrap(memory.frameAddress(mfn), PAGE_SIZE);
            pageBuffer.putBytes(0, src, 0, PAGE_SIZE);
        }
        if (isPagerBacked(pfn)) {
            clearPagerBacked(pfn);
        } else if (pageStore != null) {
            pageStore.discard(domid, pfn);
        }
        p2m.set(pfn, mfn, dirty != null ? p2m_ram_logdirty : p2m_ram_rw);
        return 0;
    }

    private static boolean isZero(DirectBuffer b) {
        for (int i = 0; i < PAGE_SIZE; i += 8) {
            if (b.getLong(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a wait for a Dom0-held page ends now (under this lock): 0 once the page is in,
     * {@code -XEN_ESRCH} if the domain or its ring is going, {@code -XEN_EIO} if the pager
     * cannot supply it; 1 to go on waiting.
     */
    private int pagerWaitState(long pfn) {
        if (dying || pagerAborted) {
            return -XEN_ESRCH;
        }
        if (!isPagerBacked(pfn)) {
            return 0;
        }
        if (pager == null || pagerFailed.get((int) pfn)) {
            return -XEN_EIO;
        }
        return 1;
    }

    /**
     * Waits until the pager brought {@code pfn} in: posts the page's request on the ring (once
     * per page) and waits on this domain's monitor until a prep, a failure answer, the ring's
     * teardown or the domain's death. Called without this lock, by a vCPU (or any hypervisor
     * thread) whose access found the page with the pager ({@code -XEN_ENOENT}).
     *
     * @return 0 to retry the access; {@code -XEN_EIO} if the pager cannot supply the page;
     *         {@code -XEN_ESRCH} if the domain is dying
     */
    public int awaitPager(long pfn, int vcpu) {
        PagingRing ring;
        synchronized (this) {
            int state = pagerWaitState(pfn);
            if (state <= 0) {
                return state;
            }
            ring = pagerRequested.get((int) pfn) ? null : pager;
            pagerRequested.set((int) pfn);
        }
        if (ring != null) {
            ring.request(pfn, vcpu); // outside the lock: it notifies Dom0
        }
        synchronized (this) {
            pagerWaiters++;
            try {
                while (true) {
                    int state = pagerWaitState(pfn);
                    if (state <= 0) {
                        return state;
                    }
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -XEN_ESRCH;
                    }
                }
            } finally {
                pagerWaiters--;
            }
        }
    }

    /** The pager answered {@code pfn} (a response consumed by {@link PagingRing#resume}). */
    synchronized void pagerAnswered(long pfn) {
        if (!isPagerBacked(pfn)) {
            return; // prepped: the page is in
        }
        pagerFailed.set((int) pfn); // answered without content: the page cannot come in
        pagerRequested.clear((int) pfn);
        if (pagerWaiters > 0) {
            notifyAll();
        }
    }

    /**
     * The domain is being destroyed: vCPUs waiting for the pager stop waiting now (they fault
     * and their threads end), before the core joins them.
     */
    public synchronized void abortPagerWaits() {
        pagerAborted = true;
        if (pagerWaiters > 0) {
            notifyAll();
        }
    }

    /**
     * Maps machine frame {@code mfn} (a hypervisor frame such as the paging ring) at this
     * domain's {@code pfn}, holding a reference while mapped; removed like a foreign mapping.
     *
     * @return 0; {@code -XEN_EINVAL} outside the space; {@code -XEN_EBUSY} if {@code pfn} is in
     *         use; {@code -XEN_ESRCH} if dying
     */
    public synchronized int mapFrame(long pfn, long mfn) {
        if (dying) {
            return -XEN_ESRCH;
        }
        if (!p2m.inRange(pfn)) {
            return -XEN_EINVAL;
        }
        int t = p2m.type(pfn);
        if (t != p2m_invalid && t != p2m_ballooned) {
            return -XEN_EBUSY;
        }
        allocator.get(mfn);
        p2m.set(pfn, mfn, p2m_map_foreign);
        return 0;
    }

    /**
     * Nominates {@code n} pages at once: each entry as {@link #nominatePageOut}, under one lock
     * and one generation bump (so the guest's vCPUs flush their caches once per batch, not once
     * per page).
     *
     * @param result {@code result[i]} gets the result for {@code pfns[i]}
     * @return the number nominated
     */
    public synchronized int nominatePageOutBatch(long[] pfns, int n, long[] result) {
        int ok = 0;
        boolean revoked = false;
        for (int i = 0; i < n; i++) {
            long pfn = pfns[i];
            int t = p2m.type(pfn);
            long rc;
            if (dying) {
                rc = -XEN_ESRCH;
            } else if (t == p2m_ram_paging_out && pageStore != null) {
                rc = 0;
            } else if (pageStore == null || (t != p2m_ram_rw && t != p2m_ram_logdirty)) {
                rc = -XEN_EINVAL;
            } else if (allocator.refCount(p2m.mfn(pfn)) != 1) {
                rc = -XEN_EBUSY;
            } else {
                p2m.setType(pfn, p2m_ram_paging_out);
                nominatedAt.put(pfn, Long.MAX_VALUE); // stamped below, after the one bump
                revoked = true;
                rc = 0;
            }
            result[i] = rc;
            if (rc == 0) {
                ok++;
            }
        }
        if (revoked) {
            long gen = p2m.bump();
            for (int i = 0; i < n; i++) {
                if (result[i] == 0 && nominatedAt.get(pfns[i]) == Long.MAX_VALUE) {
                    nominatedAt.put(pfns[i], gen);
                }
            }
        }
        return ok;
    }

    /**
     * Evicts {@code n} nominated pages at once: each entry as {@link #evictPage} ({@code
     * -XEN_EBUSY} written since, {@code -XEN_EAGAIN} not yet quiesced: retry it, {@code
     * -XEN_EIO} the store failed: the page stays and the batch stops there, later entries
     * are left {@code -XEN_EAGAIN}), under one lock and one generation bump.
     *
     * @param result {@code result[i]} gets the result for {@code pfns[i]}
     * @return the number evicted
     */
    public synchronized int evictPageBatch(long[] pfns, int n, long[] result) {
        long[] mfns = new long[n];
        int evicted = 0;
        boolean failed = false;
        for (int i = 0; i < n; i++) {
            long pfn = pfns[i];
            if (failed) {
                result[i] = -XEN_EAGAIN;
                continue;
            }
            if (dying) {
                result[i] = -XEN_ESRCH;
                continue;
            }
            if (p2m.type(pfn) != p2m_ram_paging_out) {
                result[i] = -XEN_EBUSY;
                continue;
            }
            if (!allQuiescedSince(nominatedAt.get(pfn))) {
                result[i] = -XEN_EAGAIN;
                continue;
            }
            long mfn = p2m.mfn(pfn);
            pageBuffer.wrap(memory.frameAddress(mfn), PAGE_SIZE);
            try {
                pageStore.writePage(domid, pfn, pageBuffer);
            } catch (IOException | RuntimeException e) {
                result[i] = -XEN_EIO;
                failed = true;
                continue;
            }
            nominatedAt.remove(pfn);
            p2m.set(pfn, 0, p2m_ram_paged);
            mfns[evicted++] = mfn;
            result[i] = 0;
        }
        if (evicted > 0) {
            long gen = p2m.bump();
            for (int i = 0; i < evicted; i++) {
                retire(mfns[i], gen, null);
            }
            reclaimLocked();
        }
        return evicted;
    }

    // ------------------------------------------------------------------ accessed bits

    /**
     * Marks {@code pfn} accessed: a vCPU view is (re)establishing a translation for it (the
     * slow path, under this object's lock). A cached translation costs nothing: the bit is set
     * only when the translation is made, and {@link #readAndClearAccessed} drops the cached
     * translations so that the next touch makes (and marks) it again.
     */
    void markAccessed(long pfn) {
        long[] a = accessed;
        int w = (int) (pfn >>> 6);
        if (w < a.length) {
            a[w] |= 1L << (pfn & 63);
        }
    }

    /**
     * Reads and clears the accessed bits of PFNs {@code [firstPfn, firstPfn + 64 * words)} into
     * {@code bitmap[0..words)} (bit {@code pfn % 64} of word {@code (pfn - firstPfn) / 64}), like
     * log-dirty CLEAN: if any bit was set, the generation is bumped so every vCPU drops its
     * cached translations and its next touch of such a page marks it again. Words past the
     * address space read as 0.
     *
     * @return the number of accessed PFNs reported, or {@code -XEN_EINVAL} if {@code firstPfn} is
     *         negative or not a multiple of 64, or {@code bitmap} is shorter than {@code words}
     */
    public synchronized long readAndClearAccessed(long firstPfn, long[] bitmap, int words) {
        if (firstPfn < 0 || (firstPfn & 63) != 0 || words < 0 || bitmap == null || bitmap.length < words) {
            return -XEN_EINVAL;
        }
        long[] a = accessed;
        long first = firstPfn >>> 6;
        long count = 0;
        for (int i = 0; i < words; i++) {
            long w = first + i;
            long bits = 0;
            if (w < a.length) {
                bits = a[(int) w];
                a[(int) w] = 0;
            }
            bitmap[i] = bits;
            count += Long.bitCount(bits);
        }
        if (count > 0) {
            p2m.bump();
            reclaimLocked();
        }
        return count;
    }

    // ------------------------------------------------------------------ sharing

    /**
     * Nominates {@code pfn} for sharing (XENMEM_sharing_op_nominate_gfn): its frame becomes a
     * copy-on-write frame owned by DOMID_COW, readable, and a write gives the page a private
     * copy again.
     *
     * @return 0; {@code -XEN_EINVAL} if not plain RAM; {@code -XEN_EBUSY} if another domain maps
     *         the frame; {@code -XEN_ESRCH} if dying
     */
    public synchronized int nominateShare(long pfn) {
        if (dying) {
            return -XEN_ESRCH;
        }
        int t = p2m.type(pfn);
        if (t == p2m_ram_shared) {
            return 0;
        }
        if (t != p2m_ram_rw && t != p2m_ram_logdirty) {
            return -XEN_EINVAL;
        }
        long mfn = p2m.mfn(pfn);
        if (allocator.refCount(mfn) != 1) {
            return -XEN_EBUSY;
        }
        allocator.makeShared(mfn);
        p2m.setType(pfn, p2m_ram_shared);
        nominatedAt.put(pfn, p2m.bump());
        return 0;
    }

    /**
     * Makes {@code dst}'s {@code dstPfn} share {@code src}'s frame at {@code srcPfn}
     * (XENMEM_sharing_op_share); both must be nominated and hold identical bytes. {@code dst}'s
     * old frame is freed after its quarantine.
     *
     * @return 0; {@code -XEN_EINVAL} if either page is not shared-nominated or their contents
     *         differ; {@code -XEN_EAGAIN} if a vCPU of either domain has not quiesced since the
     *         nomination; {@code -XEN_ESRCH} if either domain is dying
     */
    public static int share(DomainMemory src, long srcPfn, DomainMemory dst, long dstPfn) {
        DomainMemory first = src.domid <= dst.domid ? src : dst;
        DomainMemory second = first == src ? dst : src;
        synchronized (first) {
            synchronized (second) {
                if (src.dying || dst.dying) {
                    return -XEN_ESRCH;
                }
                if (src.p2m.type(srcPfn) != p2m_ram_shared || dst.p2m.type(dstPfn) != p2m_ram_shared) {
                    return -XEN_EINVAL;
                }
                if (!src.nominationSettled(srcPfn) || !dst.nominationSettled(dstPfn)) {
                    return -XEN_EAGAIN;
                }
                long sm = src.p2m.mfn(srcPfn);
                long dm = dst.p2m.mfn(dstPfn);
                if (sm == dm) {
                    return 0;
                }
                MachineMemory mem = src.memory;
                long sa = mem.frameAddress(sm);
                long da = mem.frameAddress(dm);
                for (int i = 0; i < PAGE_SIZE; i += 8) {
                    if (UNSAFE.getLong(sa + i) != UNSAFE.getLong(da + i)) {
                        return -XEN_EINVAL;
                    }
                }
                src.allocator.get(sm);
                dst.p2m.set(dstPfn, sm, p2m_ram_shared);
                dst.retire(dm, dst.p2m.bump(), null);
                src.nominatedAt.remove(srcPfn);
                dst.nominatedAt.remove(dstPfn);
                dst.reclaimLocked();
                return 0;
            }
        }
    }

    /**
     * Makes {@code dst}'s pages {@code first..last} map {@code src}'s frames at the same PFNs
     * copy-on-write (XENMEM_sharing_op_range_share; the fork primitive behind templates). Unlike
     * {@link #share}, contents are not compared: {@code dst}'s old data in the range is
     * discarded, as in Xen, where a privileged caller is trusted to want the source's pages.
     * Each source page of plain RAM is nominated first (it becomes copy-on-write shared); then
     * each {@code dst} page of RAM (private, shared, paged out) or without memory (never
     * populated, ballooned) maps the source's frame. PFNs where the source holds no shareable
     * RAM (paged out, a foreign map, a frame another domain maps) and {@code dst} entries that
     * are not RAM (grant and foreign maps, hypervisor pages) are skipped: the caller checks the
     * result with getpageframeinfo3. A later write by either side gives that page a private copy.
     *
     * @return 0; {@code -XEN_EINVAL} for a bad range or {@code src == dst}; {@code -XEN_EAGAIN}
     *         if a vCPU of {@code src} has not quiesced since its pages were nominated (nothing
     *         mapped yet: retry); {@code -XEN_ENOMEM} if {@code dst} reached its maximum
     *         reservation (pages before the failing one are mapped); {@code -XEN_ESRCH} if either
     *         domain is dying
     */
    public static int rangeShare(DomainMemory src, DomainMemory dst, long first, long last) {
        if (src == dst) {
            return -XEN_EINVAL;
        }
        DomainMemory lo = src.domid <= dst.domid ? src : dst;
        DomainMemory hi = lo == src ? dst : src;
        synchronized (lo) {
            synchronized (hi) {
                if (src.dying || dst.dying) {
                    return -XEN_ESRCH;
                }
                if (first < 0 || first > last || !src.p2m.inRange(last) || !dst.p2m.inRange(last)) {
                    return -XEN_EINVAL;
                }
                if (!src.nominateRangeLocked(first, last)) {
                    return -XEN_EAGAIN;
                }
                return dst.mapSharedRangeLocked(src, first, last);
            }
        }
    }

    /** Nominates every private RAM page of the range; true once all its shared pages are settled. */
    private boolean nominateRangeLocked(long first, long last) {
        LongArrayList fresh = new LongArrayList();
        for (long pfn = first; pfn <= last; pfn++) {
            int t = p2m.type(pfn);
            if ((t == p2m_ram_rw || t == p2m_ram_logdirty) && allocator.refCount(p2m.mfn(pfn)) == 1) {
                allocator.makeShared(p2m.mfn(pfn));
                p2m.setType(pfn, p2m_ram_shared);
                fresh.addLong(pfn);
            }
        }
        if (!fresh.isEmpty()) {
            long gen = p2m.bump(); // one bump covers the range: the lock is held throughout
            for (int i = 0; i < fresh.size(); i++) {
                nominatedAt.put(fresh.getLong(i), gen);
            }
        }
        for (long pfn = first; pfn <= last; pfn++) {
            if (p2m.type(pfn) == p2m_ram_shared && !nominationSettled(pfn)) {
                return false;
            }
        }
        return true;
    }

    /** Maps {@code src}'s shared frames into this domain's range (both locks held). */
    private int mapSharedRangeLocked(DomainMemory src, long first, long last) {
        long gen = p2m.bump(); // one bump covers every entry changed below (lock held throughout)
        int rc = 0;
        for (long pfn = first; pfn <= last; pfn++) {
            if (src.p2m.type(pfn) != p2m_ram_shared) {
                continue;
            }
            long sm = src.p2m.mfn(pfn);
            int t = p2m.type(pfn);
            switch (t) {
                case p2m_ram_shared:
                    if (p2m.mfn(pfn) == sm) {
                        continue;
                    }
                    retire(p2m.mfn(pfn), gen, null);
                    break;
                case p2m_ram_rw:
                case p2m_ram_logdirty:
                case p2m_ram_paging_out:
                    if (allocator.refCount(p2m.mfn(pfn)) != 1) {
                        continue; // another domain maps this frame: leave it
                    }
                    retire(p2m.mfn(pfn), gen, null);
                    break;
                case p2m_ram_paged:
                    if (isPagerBacked(pfn)) {
                        clearPagerBacked(pfn); // as release(): the page no longer waits for the pager
                    } else if (pageStore != null) {
                        pageStore.discard(domid, pfn);
                    }
                    break;
                case p2m_invalid:
                case p2m_ballooned:
                    if (pages >= maxPages) {
                        rc = -XEN_ENOMEM;
                        break;
                    }
                    pages++;
                    break;
                default:
                    continue; // not RAM of this domain
            }
            if (rc < 0) {
                break;
            }
            allocator.get(sm);
            p2m.set(pfn, sm, p2m_ram_shared);
            nominatedAt.remove(pfn);
            markDirty(pfn);
        }
        reclaimLocked();
        return rc;
    }

    private boolean nominationSettled(long pfn) {
        long at = nominatedAt.get(pfn);
        return at < 0 || allQuiescedSince(at);
    }

    @Override
    public String toString() {
        return "DomainMemory[dom" + domid + "]";
    }
}
