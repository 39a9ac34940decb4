package dev.domus.hv.mem;

import static dev.domus.abi.Xen.PAGE_SHIFT;
import static dev.domus.abi.Xen.PAGE_SIZE;
import static dev.domus.abi.XenErrno.XEN_EFAULT;
import static dev.domus.abi.XenErrno.XEN_ENOENT;
import static dev.domus.abi.XenErrno.XEN_ENOMEM;
import static dev.domus.hv.mem.MachineMemory.UNSAFE;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.GuestMemoryFault;
import dev.domus.hv.p2m.P2m;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One vCPU's view of its domain's memory: the {@link GuestMemory} a guest kernel is handed, plus
 * the non-throwing {@code copyFromGuest}/{@code copyToGuest} a hypercall running on that vCPU's
 * thread uses.
 *
 * <p><b>Single owner.</b> A view belongs to one thread (its vCPU); only that thread calls its
 * methods. Other threads use {@link DomainMemory}'s own copy methods or their own view.
 *
 * <p><b>Translation cache.</b> A direct-mapped cache of {@value #CACHE_SIZE} PFNs holds the
 * native address of each frame and whether it may be written. A hit costs one volatile read
 * (the P2M generation, compared with the generation the cache was filled at) and a few plain
 * loads; a miss, or a write to a page whose cached translation is read-only, takes the
 * domain's lock and runs the P2M hooks (see {@link DomainMemory} for the whole concurrency
 * design). Faults raise {@link GuestMemoryFault}; the copy methods return {@code -XEN_EFAULT}.
 *
 * <p><b>Quiescent points.</b> The core calls {@link #quiesce()} at hypercall entry and at
 * safepoints, and {@link #offline()} when the vCPU blocks, is paused or is descheduled. Frames
 * the hypervisor unmapped are freed only once every online view quiesced after the change.
 * An offline view comes back online by itself on its next access.
 *
 * <p>Multi-byte accesses that cross a page boundary are split into bytes (adjacent guest pages
 * need not be adjacent frames); values are little-endian. Volatile, ordered and atomic accesses
 * must be naturally aligned, and fault otherwise.
 */
public final class GuestMemoryView implements GuestMemory {

    /** Entries in the per-vCPU translation cache (a power of two). */
    public static final int CACHE_SIZE = 64;
    private static final int CACHE_MASK = CACHE_SIZE - 1;
    private static final int OFFSET_MASK = PAGE_SIZE - 1;
    private static final long NO_PFN = -1;
    private static final long CLOSED = Long.MIN_VALUE;
    private static final long BYTE_ARRAY_BASE = UNSAFE.arrayBaseOffset(byte[].class);

    private static final VarHandle QUIESCED;

    static {
        try {
            QUIESCED = MethodHandles.lookup().findVarHandle(GuestMemoryView.class, "quiesced", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DomainMemory domain;
    private final P2m p2m;
    private final long[] readTag = new long[CACHE_SIZE];
    private final long[] writeTag = new long[CACHE_SIZE];
    private final long[] frameBase = new long[CACHE_SIZE];
    private final byte[] bounce = new byte[PAGE_SIZE];

    /** Generation the cache is valid for; -1 forces a revalidation on the next access. */
    long cachedGeneration;
    /** The vCPU this view belongs to (named in the pager's requests); 0 for any-thread views. */
    int vcpuId;
    /** Generation the (kept) cache tags were valid for when the view went offline; -1 if none. */
    private long offlineGeneration = -1;
    /** Generation at the last quiescent point; {@link DomainMemory#OFFLINE}, 0 while coming online. */
    private volatile long quiesced;

    GuestMemoryView(DomainMemory domain, P2m p2m) {
        this.domain = domain;
        this.p2m = p2m;
        Arrays.fill(readTag, NO_PFN);
        Arrays.fill(writeTag, NO_PFN);
        long g = p2m.generation(); // created under the domain lock: nothing is retired meanwhile
        cachedGeneration = g;
        quiesced = g;
    }

    /** The domain this view belongs to. */
    public DomainMemory domain() {
        return domain;
    }

    long quiescedGeneration() {
        return quiesced;
    }

    // ------------------------------------------------------------------ quiescent points

    /**
     * A quiescent point: the vCPU holds no translation from before this call. Cheap (one volatile
     * read, one release store) unless the P2M changed, when it also flushes the cache and lets
     * the domain free quarantined frames.
     */
    public void quiesce() {
        long q = quiesced;
        if (q == CLOSED) {
            return;
        }
        if (q == DomainMemory.OFFLINE || cachedGeneration != p2m.generation()) {
            revalidate();
        }
        long g = cachedGeneration;
        if (g != q) {
            QUIESCED.setRelease(this, g);
            domain.reclaimIfPending();
        }
    }

    /**
     * The vCPU stops touching memory (blocked, paused, descheduled, or its thread ends): it
     * holds nothing, so it no longer delays frame reclamation. The next access brings it back.
     */
    public void offline() {
        long q = quiesced;
        if (q == CLOSED) {
            return;
        }
        if (q != DomainMemory.OFFLINE) {
            // Keep the tags: they stay valid for offlineGeneration. Forcing the next access down
            // the slow path (cachedGeneration = -1) is what brings the view back online.
            if (cachedGeneration != -1) {
                offlineGeneration = cachedGeneration;
                cachedGeneration = -1;
            }
            // A release store suffices: it orders this thread's accesses before it, and a
            // reclaimer that reads OFFLINE (a volatile read) frees only after them. The
            // full fence is needed only when coming online (announce, then read).
            QUIESCED.setRelease(this, DomainMemory.OFFLINE);
        }
        domain.reclaimIfPending();
    }

    /** Detaches the view for good (vCPU destroyed); any later access faults. */
    public void close() {
        if (quiesced == CLOSED) {
            return;
        }
        flush(-1);
        quiesced = CLOSED;
        domain.removeView(this);
    }

    /** True after {@link #offline()} until the next access or {@link #quiesce()}. */
    public boolean isOffline() {
        return quiesced == DomainMemory.OFFLINE;
    }

    private void online() {
        // Announce first, then read the generation (a volatile store, then a volatile read: the
        // one full fence of the handshake): a reclaimer that still saw us offline freed only
        // frames whose removal the read below observes.
        quiesced = 0;
        long g = p2m.generation();
        if (g == offlineGeneration) {
            cachedGeneration = g; // nothing was remapped while offline: the cache still holds
        } else {
            flush(g);
        }
        // Raising the announced generation from 0 to g only lets reclamation proceed; a
        // reclaimer that still reads 0 just waits: a release store is enough.
        QUIESCED.setRelease(this, g);
    }

    /** The generation moved (or the view was offline): drop every cached translation. */
    private void revalidate() {
        long q = quiesced;
        if (q == CLOSED) {
            throw new GuestMemoryFault(0, "memory view of domain " + domain.domid() + " is closed");
        }
        if (q == DomainMemory.OFFLINE) {
            online();
        } else {
            flush(p2m.generation());
        }
    }

    void flush(long generation) {
        offlineGeneration = -1;
        Arrays.fill(readTag, NO_PFN);
        Arrays.fill(writeTag, NO_PFN);
        cachedGeneration = generation;
    }

    /**
     * Copies the PFNs this view caches a writable translation for into {@code out} (length
     * {@value #CACHE_SIZE}; {@code -1} for an empty slot). Called by the domain under its lock
     * from another thread: the tags were filled under that lock ({@link #insert}); a flush the
     * owner makes meanwhile drops entries it no longer uses, so a stale read is only a superset.
     */
    void writableTags(long[] out) {
        System.arraycopy(writeTag, 0, out, 0, CACHE_SIZE);
    }

    /** Called by the domain, under its lock, after a successful slow-path translation. */
    void insert(long pfn, long resolved) {
        int i = (int) pfn & CACHE_MASK;
        readTag[i] = pfn;
        writeTag[i] = (resolved & 1) != 0 ? pfn : NO_PFN;
        frameBase[i] = resolved & ~1L;
    }

    // ------------------------------------------------------------------ translation

    /** Native address for reading {@code size} bytes at {@code address}, or 0 (miss or straddle). */
    private long readHit(long address, int size) {
        if (p2m.generation() != cachedGeneration) {
            return 0;
        }
        long pfn = address >>> PAGE_SHIFT;
        int i = (int) pfn & CACHE_MASK;
        int off = (int) address & OFFSET_MASK;
        if (readTag[i] != pfn || off > PAGE_SIZE - size) {
            return 0;
        }
        return frameBase[i] + off;
    }

    private long writeHit(long address, int size) {
        if (p2m.generation() != cachedGeneration) {
            return 0;
        }
        long pfn = address >>> PAGE_SHIFT;
        int i = (int) pfn & CACHE_MASK;
        int off = (int) address & OFFSET_MASK;
        if (writeTag[i] != pfn || off > PAGE_SIZE - size) {
            return 0;
        }
        return frameBase[i] + off;
    }

    /**
     * Slow path: the native address of the page holding {@code address} (the access does not
     * straddle), or a negated Xen error.
     */
    private long resolve(long address, boolean write) {
        long q = quiesced;
        if (q == CLOSED) {
            return -XEN_EFAULT;
        }
        if (q == DomainMemory.OFFLINE || p2m.generation() != cachedGeneration) {
            // A quiescent point too: this thread's earlier accesses are done and this one holds
            // no frame yet, so after the flush the view holds nothing from before. Publishing it
            // lets the pager's evictions (and frame reclamation) proceed while a vCPU runs guest
            // code that makes no hypercall for a long time (a 4 GiB verification pass).
            quiesce();
        }
        if (address < 0) {
            return -XEN_EFAULT;
        }
        long pfn = address >>> PAGE_SHIFT;
        // Coming back online keeps the cache when nothing was remapped meanwhile: look again
        // before taking the lock (this is every access of an any-thread view).
        int i = (int) pfn & CACHE_MASK;
        if ((write ? writeTag[i] : readTag[i]) == pfn && p2m.generation() == cachedGeneration) {
            return frameBase[i] + (address & OFFSET_MASK);
        }
        long r;
        long waitedNanos = 0;
        while (true) {
            synchronized (domain) {
                r = domain.resolveLocked(pfn, write);
                if (r >= 0) {
                    domain.markAccessed(pfn);
                    long g = p2m.generation();
                    if (g != cachedGeneration) {
                        flush(g); // a hook moved mappings: entries cached before are stale
                    }
                    insert(pfn, r);
                }
            }
            if (r == -XEN_ENOENT) {
                // Paged out with its content at the pager (a lazy restore): as a Xen vCPU
                // paused on the vm_event ring, wait for Dom0 to prep the page, then retry.
                // Offline meanwhile, as awaitFreeFrame: an online waiter would hold up evictions.
                offline();
                int w = domain.awaitPager(pfn, vcpuId);
                revalidate();
                if (w < 0) {
                    r = w;
                    break;
                }
                continue;
            }
            if (r != -XEN_ENOMEM || waitedNanos >= MEMORY_WAIT_NANOS) {
                break;
            }
            // No free frame for a page-in or a copy-on-write break: as a Xen vCPU waits on the
            // pager's ring, wait for Dom0's pager (or a balloon) to free frames rather than fault.
            waitedNanos += awaitFreeFrame();
        }
        if (r < 0 || (write && (r & 1) == 0)) {
            return r < 0 ? r : -XEN_EFAULT;
        }
        return (r & ~1L) + (address & OFFSET_MASK);
    }

    /** How long an access waits for a free frame before it faults (out of memory). */
    static final long MEMORY_WAIT_NANOS = 30_000_000_000L;

    /**
     * Parks a moment for a free frame; returns the nanoseconds waited. The view goes offline
     * meanwhile (this access holds no frame yet, and the ones before it are done): the pager's
     * evictions of this domain's pages wait for every online view to quiesce, so a view waiting
     * online would hold up the very page-out it waits for.
     */
    private long awaitFreeFrame() {
        long t0 = System.nanoTime();
        offline();
        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        revalidate(); // back online before the next translation
        return Math.max(1, System.nanoTime() - t0);
    }

    private long readAddress(long address) {
        long a = resolve(address, false);
        if (a < 0) {
            throw fault(address, false, a);
        }
        return a;
    }

    private long writeAddress(long address) {
        long a = resolve(address, true);
        if (a < 0) {
            throw fault(address, true, a);
        }
        return a;
    }

    private GuestMemoryFault fault(long address, boolean write, long errno) {
        if (quiesced == CLOSED) {
            return new GuestMemoryFault(address, "memory view of domain " + domain.domid() + " is closed");
        }
        if (address < 0) {
            return new GuestMemoryFault(address, "negative guest-physical address");
        }
        return new GuestMemoryFault(address, domain.describeFault(address >>> PAGE_SHIFT, write, errno));
    }

    private static boolean straddles(long address, int size) {
        return ((int) address & OFFSET_MASK) > PAGE_SIZE - size;
    }

    private static void checkAligned(long address, int size) {
        if ((address & (size - 1)) != 0) {
            throw new GuestMemoryFault(address, "misaligned " + size + "-byte atomic access");
        }
    }

    /** True if {@code [gpa, gpa+length)} is a well-formed range (checked before any access). */
    static boolean validRange(long gpa, long length) {
        return gpa >= 0 && length >= 0 && gpa <= Long.MAX_VALUE - length;
    }

    // ------------------------------------------------------------------ GuestMemory

    @Override
    public long size() {
        return domain.size();
    }

    @Override
    public byte getByte(long address) {
        long a = readHit(address, 1);
        return UNSAFE.getByte(a != 0 ? a : readAddress(address));
    }

    @Override
    public void putByte(long address, byte value) {
        long a = writeHit(address, 1);
        UNSAFE.putByte(a != 0 ? a : writeAddress(address), value);
    }

    @Override
    public short getShort(long address) {
        long a = readHit(address, 2);
        if (a != 0) {
            return UNSAFE.getShort(a);
        }
        if (straddles(address, 2)) {
            return (short) readSplit(address, 2);
        }
        return UNSAFE.getShort(readAddress(address));
    }

    @Override
    public void putShort(long address, short value) {
        long a = writeHit(address, 2);
        if (a != 0) {
            UNSAFE.putShort(a, value);
        } else if (straddles(address, 2)) {
            writeSplit(address, value, 2);
        } else {
            UNSAFE.putShort(writeAddress(address), value);
        }
    }

    @Override
    public int getInt(long address) {
        long a = readHit(address, 4);
        if (a != 0) {
            return UNSAFE.getInt(a);
        }
        if (straddles(address, 4)) {
            return (int) readSplit(address, 4);
        }
        return UNSAFE.getInt(readAddress(address));
    }

    @Override
    public void putInt(long address, int value) {
        long a = writeHit(address, 4);
        if (a != 0) {
            UNSAFE.putInt(a, value);
        } else if (straddles(address, 4)) {
            writeSplit(address, value, 4);
        } else {
            UNSAFE.putInt(writeAddress(address), value);
        }
    }

    @Override
    public long getLong(long address) {
        long a = readHit(address, 8);
        if (a != 0) {
            return UNSAFE.getLong(a);
        }
        if (straddles(address, 8)) {
            return readSplit(address, 8);
        }
        return UNSAFE.getLong(readAddress(address));
    }

    @Override
    public void putLong(long address, long value) {
        long a = writeHit(address, 8);
        if (a != 0) {
            UNSAFE.putLong(a, value);
        } else if (straddles(address, 8)) {
            writeSplit(address, value, 8);
        } else {
            UNSAFE.putLong(writeAddress(address), value);
        }
    }

    /** Little-endian read of a value that crosses a page boundary, byte by byte. */
    private long readSplit(long address, int size) {
        if (address < 0 || address > Long.MAX_VALUE - size) {
            throw fault(address, false, -XEN_EFAULT);
        }
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (getByte(address + i) & 0xFFL) << (8 * i);
        }
        return v;
    }

    /** Writes a page-crossing value; both pages are checked before either is written. */
    private void writeSplit(long address, long value, int size) {
        if (address < 0 || address > Long.MAX_VALUE - size) {
            throw fault(address, true, -XEN_EFAULT);
        }
        writeAddress(address);
        writeAddress(address + size - 1);
        for (int i = 0; i < size; i++) {
            putByte(address + i, (byte) (value >>> (8 * i)));
        }
    }

    @Override
    public void getBytes(long address, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        if (!validRange(address, length)) {
            throw fault(address, false, -XEN_EFAULT);
        }
        long base = BYTE_ARRAY_BASE + dstOffset;
        while (length > 0) {
            int n = Math.min(length, PAGE_SIZE - ((int) address & OFFSET_MASK));
            long a = readHit(address, n);
            UNSAFE.copyMemory(null, a != 0 ? a : readAddress(address), dst, base, n);
            address += n;
            base += n;
            length -= n;
        }
    }

    @Override
    public void putBytes(long address, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        if (!validRange(address, length)) {
            throw fault(address, true, -XEN_EFAULT);
        }
        long base = BYTE_ARRAY_BASE + srcOffset;
        while (length > 0) {
            int n = Math.min(length, PAGE_SIZE - ((int) address & OFFSET_MASK));
            long a = writeHit(address, n);
            UNSAFE.copyMemory(src, base, null, a != 0 ? a : writeAddress(address), n);
            address += n;
            base += n;
            length -= n;
        }
    }

    @Override
    public void setMemory(long address, long length, byte value) {
        if (!validRange(address, length)) {
            throw fault(address, true, -XEN_EFAULT);
        }
        while (length > 0) {
            int n = (int) Math.min(length, PAGE_SIZE - ((int) address & OFFSET_MASK));
            long a = writeHit(address, n);
            UNSAFE.setMemory(a != 0 ? a : writeAddress(address), n, value);
            address += n;
            length -= n;
        }
    }

    @Override
    public void copy(long srcAddress, long dstAddress, long length) {
        if (!validRange(srcAddress, length)) {
            throw fault(srcAddress, false, -XEN_EFAULT);
        }
        if (!validRange(dstAddress, length)) {
            throw fault(dstAddress, true, -XEN_EFAULT);
        }
        if (dstAddress > srcAddress && dstAddress < srcAddress + length) {
            // Overlap with the destination above the source: copy from the end backwards.
            long s = srcAddress + length;
            long d = dstAddress + length;
            while (length > 0) {
                int n = (int) Math.min(length, Math.min(((s - 1) & OFFSET_MASK) + 1, ((d - 1) & OFFSET_MASK) + 1));
                s -= n;
                d -= n;
                getBytes(s, bounce, 0, n);
                putBytes(d, bounce, 0, n);
                length -= n;
            }
        } else {
            while (length > 0) {
                int n = (int) Math.min(length, Math.min(PAGE_SIZE - (srcAddress & OFFSET_MASK),
                        PAGE_SIZE - (dstAddress & OFFSET_MASK)));
                getBytes(srcAddress, bounce, 0, n);
                putBytes(dstAddress, bounce, 0, n);
                srcAddress += n;
                dstAddress += n;
                length -= n;
            }
        }
    }

    @Override
    public int getIntVolatile(long address) {
        checkAligned(address, 4);
        long a = readHit(address, 4);
        return UNSAFE.getIntVolatile(null, a != 0 ? a : readAddress(address));
    }

    @Override
    public void putIntVolatile(long address, int value) {
        checkAligned(address, 4);
        long a = writeHit(address, 4);
        UNSAFE.putIntVolatile(null, a != 0 ? a : writeAddress(address), value);
    }

    @Override
    public void putIntOrdered(long address, int value) {
        checkAligned(address, 4);
        long a = writeHit(address, 4);
        UNSAFE.putOrderedInt(null, a != 0 ? a : writeAddress(address), value);
    }

    @Override
    public long getLongVolatile(long address) {
        checkAligned(address, 8);
        long a = readHit(address, 8);
        return UNSAFE.getLongVolatile(null, a != 0 ? a : readAddress(address));
    }

    @Override
    public void putLongVolatile(long address, long value) {
        checkAligned(address, 8);
        long a = writeHit(address, 8);
        UNSAFE.putLongVolatile(null, a != 0 ? a : writeAddress(address), value);
    }

    @Override
    public boolean compareAndSetInt(long address, int expected, int value) {
        checkAligned(address, 4);
        long a = writeHit(address, 4);
        return UNSAFE.compareAndSwapInt(null, a != 0 ? a : writeAddress(address), expected, value);
    }

    @Override
    public boolean compareAndSetLong(long address, long expected, long value) {
        checkAligned(address, 8);
        long a = writeHit(address, 8);
        return UNSAFE.compareAndSwapLong(null, a != 0 ? a : writeAddress(address), expected, value);
    }

    @Override
    public long getAndAddLong(long address, long delta) {
        checkAligned(address, 8);
        long a = writeHit(address, 8);
        return UNSAFE.getAndAddLong(null, a != 0 ? a : writeAddress(address), delta);
    }

    // ------------------------------------------------------------------ hypervisor-side copies

    /**
     * copy_from_guest for a hypercall running on this view's vCPU thread: copies {@code length}
     * bytes at guest-physical {@code gpa} into {@code dst[dstOffset..]}. Never throws.
     *
     * @return 0, or {@code -XEN_EFAULT} if any byte is not readable guest memory or the
     *         destination range is bad (bytes before the fault may have been copied)
     */
    public int copyFromGuest(long gpa, MutableDirectBuffer dst, int dstOffset, int length) {
        if (!validRange(gpa, length) || dst == null || dstOffset < 0 || dstOffset > dst.capacity() - length) {
            return -XEN_EFAULT;
        }
        byte[] array = dst.byteArray();
        long base = dst.addressOffset() + dstOffset;
        while (length > 0) {
            int n = Math.min(length, PAGE_SIZE - ((int) gpa & OFFSET_MASK));
            long a = readHit(gpa, n);
            if (a == 0) {
                a = resolve(gpa, false);
                if (a < 0) {
                    return -XEN_EFAULT;
                }
            }
            UNSAFE.copyMemory(null, a, array, base, n);
            gpa += n;
            base += n;
            length -= n;
        }
        return 0;
    }

    /**
     * copy_to_guest for a hypercall running on this view's vCPU thread: copies {@code
     * src[srcOffset..srcOffset+length)} to guest-physical {@code gpa}, running the write hooks.
     * Never throws.
     *
     * @return 0, or {@code -XEN_EFAULT} if any byte is not writable guest memory or the source
     *         range is bad (bytes before the fault may have been written)
     */
    public int copyToGuest(long gpa, DirectBuffer src, int srcOffset, int length) {
        if (!validRange(gpa, length) || src == null || srcOffset < 0 || srcOffset > src.capacity() - length) {
            return -XEN_EFAULT;
        }
        byte[] array = src.byteArray();
        long base = src.addressOffset() + srcOffset;
        while (length > 0) {
            int n = Math.min(length, PAGE_SIZE - ((int) gpa & OFFSET_MASK));
            long a = writeHit(gpa, n);
            if (a == 0) {
                a = resolve(gpa, true);
                if (a < 0) {
                    return -XEN_EFAULT;
                }
            }
            UNSAFE.copyMemory(array, base, null, a, n);
            gpa += n;
            base += n;
            length -= n;
        }
        return 0;
    }

    @Override
    public String toString() {
        return "GuestMemoryView[dom" + domain.domid() + ", generation " + cachedGeneration + "]";
    }
}
