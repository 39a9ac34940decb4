package dev.domus.hv.mem;

import dev.domus.abi.Xen;

/**
 * Hands out the frames of {@link MachineMemory} and keeps each frame's {@code page_info}: owner
 * domid, type, reference count and the guest frame it backs (the M2P), in compact parallel
 * arrays (one slot per frame, no object per frame).
 *
 * <p><b>Reference counting.</b> A frame is allocated with one reference (its owner's P2M entry).
 * Every further P2M entry that maps it (a foreign or grant mapping in another domain, another
 * sharer of a copy-on-write frame) takes one with {@link #get}; {@link #put} drops one. When the
 * count reaches zero the frame is scrubbed (zeroed, so no data passes between domains) and goes
 * back to the free pool. Callers must {@code put} only after no vCPU can still reach the frame
 * through a stale translation: {@link DomainMemory} defers its puts through a quarantine for that.
 *
 * <p><b>Sharing state.</b> A copy-on-write frame is owned by {@link Xen#DOMID_COW} with type
 * {@link #PGT_SHARED_PAGE}; its reference count is the number of sharers.
 *
 * <p>Thread safety: every method synchronizes on the allocator. It is only used on cold paths
 * (populate, release, map, unmap, CoW break, page-in); guest loads and stores never reach it.
 */
public final class FrameAllocator {

    /** Frame is free (in the pool). */
    public static final byte PGT_NONE = 0;
    /** Ordinary writable guest RAM, owned by one domain. */
    public static final byte PGT_WRITABLE_PAGE = 1;
    /** Copy-on-write frame shared between guest frames, owned by DOMID_COW. */
    public static final byte PGT_SHARED_PAGE = 2;

    /** Returned by {@link #alloc} when no frame is free. */
    public static final long NO_FRAME = -1;

    private static final int DOMIDS = 1 << 15;
    private static final int NO_PFN = -1;

    private final MachineMemory memory;
    private final short[] owner;
    private final byte[] type;
    private final int[] refCount;
    private final int[] writeRefs;
    private final int[] m2p;
    private final int[] freeStack;
    private int freeTop;
    private final int[] ownedBy = new int[DOMIDS];
    /** Free frames under which {@link #lowMemoryHook} runs (Xen's low_mem_virq threshold); 0 = off. */
    private long lowMemoryThreshold;
    /** True while free frames are at or above the threshold: the next fall below signals. */
    private boolean lowMemoryArmed = true;
    private Runnable lowMemoryHook;

    /** Manages every frame of {@code memory}; all start free. */
    public FrameAllocator(MachineMemory memory) {
        this.memory = memory;
        int frames = memory.frames();
        owner = new short[frames];
        type = new byte[frames];
        refCount = new int[frames];
        writeRefs = new int[frames];
        m2p = new int[frames];
        freeStack = new int[frames];
        // Pop order low MFNs first; freed frames are reused first (they are already resident).
        for (int i = 0; i < frames; i++) {
            freeStack[i] = frames - 1 - i;
            owner[i] = (short) Xen.DOMID_INVALID;
            m2p[i] = NO_PFN;
        }
        freeTop = frames;
    }

    /** The machine memory these frames live in. */
    public MachineMemory memory() {
        return memory;
    }

    /**
     * Allocates a zeroed frame owned by {@code domid}, with one reference, backing guest frame
     * {@code pfn} of that domain.
     *
     * @return the MFN, or {@link #NO_FRAME} if machine memory is exhausted
     */
    public synchronized long alloc(int domid, long pfn) {
        if (freeTop == 0) {
            signalLowMemory(); // someone waits for a frame: always worth a signal
            return NO_FRAME;
        }
        int mfn = freeStack[--freeTop];
        if (freeTop < lowMemoryThreshold && lowMemoryArmed) {
            lowMemoryArmed = false;
            signalLowMemory();
        }
        owner[mfn] = (short) domid;
        type[mfn] = PGT_WRITABLE_PAGE;
        refCount[mfn] = 1;
        m2p[mfn] = (int) pfn;
        ownedBy[domid]++;
        return mfn;
    }

    /** Takes one more reference on an allocated frame. */
    public synchronized void get(long mfn) {
        int i = checkAllocated(mfn);
        refCount[i]++;
    }

    /** Takes one more reference that may write the frame (a writable foreign or grant mapping). */
    public synchronized void getWritable(long mfn) {
        int i = checkAllocated(mfn);
        refCount[i]++;
        writeRefs[i]++;
    }

    /** Marks one writable reference as read-only again; the caller then {@link #put}s it. */
    public synchronized void dropWriteRef(long mfn) {
        int i = checkAllocated(mfn);
        if (writeRefs[i] <= 0) {
            throw new IllegalStateException("mfn " + mfn + " has no writable reference");
        }
        writeRefs[i]--;
    }

    /** Writable foreign references on the frame (Xen's writable type count, for other domains). */
    public synchronized int writeRefs(long mfn) {
        return writeRefs[checkRange(mfn)];
    }

    /**
     * Drops one reference; the last one scrubs the frame and returns it to the pool.
     *
     * @return true if the frame was freed
     */
    public synchronized boolean put(long mfn) {
        int i = checkAllocated(mfn);
        if (--refCount[i] > 0) {
            return false;
        }
        ownedBy[owner[i] & 0xFFFF]--;
        owner[i] = (short) Xen.DOMID_INVALID;
        type[i] = PGT_NONE;
        m2p[i] = NO_PFN;
        memory.scrubFrame(i);
        freeStack[freeTop++] = i;
        if (freeTop >= lowMemoryThreshold) {
            lowMemoryArmed = true;
        }
        return true;
    }

    /**
     * Asks for {@code hook} to run whenever free frames fall under {@code threshold} (once per
     * fall: it is armed again when free frames are back at the threshold) and whenever an
     * allocation finds no free frame; {@code threshold} 0 keeps only the latter. The hook runs
     * under this allocator's lock, the innermost lock of the hypervisor: it must only hand the
     * signal on (unpark a thread), never take another lock.
     */
    public synchronized void onLowMemory(long threshold, Runnable hook) {
        if (threshold < 0) {
            throw new IllegalArgumentException("negative low-memory threshold " + threshold);
        }
        lowMemoryThreshold = threshold;
        lowMemoryHook = hook;
        lowMemoryArmed = freeTop >= threshold;
        if (!lowMemoryArmed) {
            signalLowMemory();
        }
    }

    /** Sets the threshold of {@link #onLowMemory} and keeps its hook. */
    public synchronized void lowMemoryThreshold(long threshold) {
        onLowMemory(threshold, lowMemoryHook);
    }

    private void signalLowMemory() {
        Runnable h = lowMemoryHook;
        if (h != null) {
            h.run();
        }
    }

    /** Marks an allocated frame copy-on-write shared: it passes to DOMID_COW. */
    public synchronized void makeShared(long mfn) {
        int i = checkAllocated(mfn);
        if (type[i] != PGT_SHARED_PAGE) {
            ownedBy[owner[i] & 0xFFFF]--;
            owner[i] = (short) Xen.DOMID_COW;
            ownedBy[Xen.DOMID_COW]++;
            type[i] = PGT_SHARED_PAGE;
            m2p[i] = NO_PFN;
        }
    }

    /** Gives a shared frame whose last sharer is {@code domid} back to that domain as private RAM. */
    public synchronized void unshare(long mfn, int domid, long pfn) {
        int i = checkAllocated(mfn);
        if (type[i] != PGT_SHARED_PAGE || refCount[i] != 1) {
            throw new IllegalStateException("frame " + mfn + " is not a shared frame with one sharer");
        }
        ownedBy[Xen.DOMID_COW]--;
        owner[i] = (short) domid;
        ownedBy[domid]++;
        type[i] = PGT_WRITABLE_PAGE;
        m2p[i] = (int) pfn;
    }

    /** Owner domid of an allocated frame ({@code DOMID_INVALID} if free, {@code DOMID_COW} if shared). */
    public synchronized int owner(long mfn) {
        return owner[checkRange(mfn)] & 0xFFFF;
    }

    /** The frame's {@code PGT_*} type. */
    public synchronized byte type(long mfn) {
        return type[checkRange(mfn)];
    }

    /** The frame's reference count (0 when free). */
    public synchronized int refCount(long mfn) {
        return refCount[checkRange(mfn)];
    }

    /** The guest frame this frame backs in its owner (the M2P entry), or -1. */
    public synchronized long m2p(long mfn) {
        return m2p[checkRange(mfn)];
    }

    /** Total frames of machine memory. */
    public int totalFrames() {
        return memory.frames();
    }

    /** Frames in the free pool. */
    public synchronized int freeFrames() {
        return freeTop;
    }

    /** Copy-on-write shared frames (Xen's XENMEM_get_sharing_shared_pages). */
    public synchronized int sharedFrames() {
        return ownedBy[Xen.DOMID_COW];
    }

    /**
     * Frames sharing saves: for each shared frame, its references beyond the first (Xen's
     * XENMEM_get_sharing_freed_pages). Walks every frame: for the cold path only.
     */
    public synchronized long sharingFreedPages() {
        long saved = 0;
        if (ownedBy[Xen.DOMID_COW] == 0) {
            return 0;
        }
        for (int i = 0; i < type.length; i++) {
            if (type[i] == PGT_SHARED_PAGE && refCount[i] > 1) {
                saved += refCount[i] - 1;
            }
        }
        return saved;
    }

    /** Frames owned by {@code domid} (including those still referenced after the domain let go). */
    public synchronized int framesOwnedBy(int domid) {
        return ownedBy[domid];
    }

    private int checkRange(long mfn) {
        if (mfn < 0 || mfn >= memory.frames()) {
            throw new IndexOutOfBoundsException("mfn " + mfn + " outside machine memory");
        }
        return (int) mfn;
    }

    private int checkAllocated(long mfn) {
        int i = checkRange(mfn);
        if (refCount[i] <= 0) {
            throw new IllegalStateException("mfn " + mfn + " is not allocated");
        }
        return i;
    }
}
