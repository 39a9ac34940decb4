package dev.domus.sdk.mem;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;

import java.nio.charset.StandardCharsets;

/**
 * The guest's page-frame allocator: which of its guest-physical pages are free, kept as a
 * bitmap in guest memory so that it survives save, restore and migration untouched.
 *
 * <p>Layout, from the root page: {@code magic, nr_pages, bitmap address, free count, search
 * hint, lock}, then a small directory of named roots (name → address) by which a kernel finds
 * its memory-resident structures again after a resume. The bitmap (one bit per page, set =
 * in use) occupies the pages right after the root. Pages the domain builder placed
 * (start_info, shared_info, rings) are marked in use when the allocator is formatted.
 */
public final class GuestPages {

    /** "DOMUSPGS" little-endian. */
    public static final long MAGIC = 0x534750_53554D4F44L;
    private static final int MAGIC_OFFSET = 0;
    private static final int NR_PAGES_OFFSET = 8;
    private static final int BITMAP_OFFSET = 16;
    private static final int FREE_OFFSET = 24;
    private static final int HINT_OFFSET = 32;
    private static final int LOCK_OFFSET = 40;
    private static final int ROOTS_OFFSET = 256;
    private static final int ROOT_NAME_BYTES = 40;
    private static final int ROOT_ENTRY = ROOT_NAME_BYTES + 8;
    /** How many named roots the directory holds. */
    public static final int MAX_ROOTS = (Xen.PAGE_SIZE - ROOTS_OFFSET) / ROOT_ENTRY;

    private final GuestMemory memory;
    private final long root;
    private final long nrPages;
    private final long bitmap;
    private final GuestSpinLock lock;

    private GuestPages(GuestMemory memory, long root) {
        this.memory = memory;
        this.root = root;
        this.nrPages = memory.getLong(root + NR_PAGES_OFFSET);
        this.bitmap = memory.getLong(root + BITMAP_OFFSET);
        this.lock = new GuestSpinLock(memory, root + LOCK_OFFSET);
    }

    /** Pages of bitmap needed for {@code nrPages} pages. */
    public static long bitmapPages(long nrPages) {
        return (nrPages + 8L * Xen.PAGE_SIZE - 1) / (8L * Xen.PAGE_SIZE);
    }

    /**
     * Formats a fresh allocator with its root at {@code rootPfn} over pages {@code [0, nrPages)};
     * the root, the bitmap and every pfn in {@code reserved} start in use.
     */
    public static GuestPages format(GuestMemory memory, long rootPfn, long nrPages, long[] reserved) {
        long bitmapPages = bitmapPages(nrPages);
        if (rootPfn < 0 || rootPfn + 1 + bitmapPages > nrPages) {
            throw new IllegalArgumentException("allocator root at pfn " + rootPfn + " with " + bitmapPages
                    + " bitmap pages does not fit in " + nrPages + " pages");
        }
        long root = rootPfn << Xen.PAGE_SHIFT;
        memory.setMemory(root, Xen.PAGE_SIZE, (byte) 0);
        long bitmap = root + Xen.PAGE_SIZE;
        memory.setMemory(bitmap, bitmapPages * Xen.PAGE_SIZE, (byte) 0);
        memory.putLong(root + NR_PAGES_OFFSET, nrPages);
        memory.putLong(root + BITMAP_OFFSET, bitmap);
        memory.putLong(root + FREE_OFFSET, nrPages);
        memory.putLong(root + HINT_OFFSET, 0);
        GuestPages pages = new GuestPages(memory, root);
        for (long p = rootPfn; p <= rootPfn + bitmapPages; p++) {
            pages.markUsed(p);
        }
        for (long p : reserved) {
            if (p >= 0 && p < nrPages && !pages.isUsed(p)) {
                pages.markUsed(p);
            }
        }
        memory.putLongVolatile(root + MAGIC_OFFSET, MAGIC);
        return pages;
    }

    /** Re-attaches to an allocator formatted earlier (after resume). */
    public static GuestPages attach(GuestMemory memory, long rootPfn) {
        long root = rootPfn << Xen.PAGE_SHIFT;
        if (memory.getLongVolatile(root + MAGIC_OFFSET) != MAGIC) {
            throw new XenException(XenErrno.XEN_EINVAL, "GuestPages.attach", "no page allocator at pfn " + rootPfn);
        }
        return new GuestPages(memory, root);
    }

    /** True when an allocator was formatted at {@code rootPfn}. */
    public static boolean isFormatted(GuestMemory memory, long rootPfn) {
        return memory.getLongVolatile((rootPfn << Xen.PAGE_SHIFT) + MAGIC_OFFSET) == MAGIC;
    }

    public long nrPages() {
        return nrPages;
    }

    public long freePages() {
        return memory.getLongVolatile(root + FREE_OFFSET);
    }

    /** Allocates one page and returns its pfn; throws XEN_ENOMEM when none is free. */
    public long allocate() {
        return allocateContiguous(1);
    }

    /** Allocates {@code count} contiguous pages and returns the first pfn (contents not cleared). */
    public long allocateContiguous(long count) {
        if (count <= 0) {
            throw new XenException(XenErrno.XEN_EINVAL, "GuestPages.allocate", "count " + count);
        }
        lock.lock();
        try {
            long hint = memory.getLong(root + HINT_OFFSET);
            long found = search(hint, nrPages, count);
            if (found < 0) {
                found = search(0, Math.min(nrPages, hint + count), count);
            }
            if (found < 0) {
                throw new XenException(XenErrno.XEN_ENOMEM, "GuestPages.allocate(" + count + " pages)",
                        freePages() + " of " + nrPages + " pages free, none " + count + " contiguous");
            }
            for (long p = found; p < found + count; p++) {
                setBit(p, true);
            }
            memory.putLong(root + FREE_OFFSET, memory.getLong(root + FREE_OFFSET) - count);
            memory.putLong(root + HINT_OFFSET, found + count >= nrPages ? 0 : found + count);
            return found;
        } finally {
            lock.unlock();
        }
    }

    private long search(long from, long to, long count) {
        long run = 0;
        for (long p = from; p < to; p++) {
            if ((p & 63) == 0 && run == 0 && p + 64 <= to
                    && memory.getLong(bitmap + (p >>> 3)) == -1L) {
                p += 63;
                continue;
            }
            if (isUsed(p)) {
                run = 0;
            } else if (++run == count) {
                return p - count + 1;
            }
        }
        return -1;
    }

    /** Frees a page allocated earlier; freeing a free page is refused (a double free). */
    public void free(long pfn) {
        freeContiguous(pfn, 1);
    }

    public void freeContiguous(long pfn, long count) {
        lock.lock();
        try {
            for (long p = pfn; p < pfn + count; p++) {
                if (p < 0 || p >= nrPages || !isUsed(p)) {
                    throw new XenException(XenErrno.XEN_EINVAL, "GuestPages.free(pfn " + p + ")",
                            "page is not allocated (double free or foreign pfn)");
                }
            }
            for (long p = pfn; p < pfn + count; p++) {
                setBit(p, false);
            }
            memory.putLong(root + FREE_OFFSET, memory.getLong(root + FREE_OFFSET) + count);
        } finally {
            lock.unlock();
        }
    }

    public boolean isUsed(long pfn) {
        return (memory.getByte(bitmap + (pfn >>> 3)) & (1 << (pfn & 7))) != 0;
    }

    private void markUsed(long pfn) {
        setBit(pfn, true);
        memory.putLong(root + FREE_OFFSET, memory.getLong(root + FREE_OFFSET) - 1);
    }

    private void setBit(long pfn, boolean used) {
        long a = bitmap + (pfn >>> 3);
        int b = memory.getByte(a);
        b = used ? b | (1 << (pfn & 7)) : b & ~(1 << (pfn & 7));
        memory.putByte(a, (byte) b);
    }

    // ------------------------------------------------------------------ named roots

    /** The address registered under {@code name}, or 0. */
    public long root(String name) {
        byte[] key = rootName(name);
        for (int i = 0; i < MAX_ROOTS; i++) {
            long e = root + ROOTS_OFFSET + (long) i * ROOT_ENTRY;
            if (nameEquals(e, key)) {
                return memory.getLong(e + ROOT_NAME_BYTES);
            }
        }
        return 0;
    }

    /** Registers (or replaces) {@code name} → {@code address} in the root directory. */
    public void setRoot(String name, long address) {
        byte[] key = rootName(name);
        lock.lock();
        try {
            long empty = -1;
            for (int i = 0; i < MAX_ROOTS; i++) {
                long e = root + ROOTS_OFFSET + (long) i * ROOT_ENTRY;
                if (nameEquals(e, key)) {
                    memory.putLong(e + ROOT_NAME_BYTES, address);
                    return;
                }
                if (empty < 0 && memory.getByte(e) == 0) {
                    empty = e;
                }
            }
            if (empty < 0) {
                throw new XenException(XenErrno.XEN_ENOSPC, "GuestPages.setRoot(" + name + ")",
                        "all " + MAX_ROOTS + " named roots are taken");
            }
            memory.putLong(empty + ROOT_NAME_BYTES, address);
            memory.putBytes(empty, key, 0, ROOT_NAME_BYTES);
        } finally {
            lock.unlock();
        }
    }

    private boolean nameEquals(long entry, byte[] key) {
        for (int i = 0; i < ROOT_NAME_BYTES; i++) {
            if (memory.getByte(entry + i) != key[i]) {
                return false;
            }
        }
        return key[0] != 0;
    }

    private static byte[] rootName(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length >= ROOT_NAME_BYTES) {
            throw new IllegalArgumentException("root name must be 1.." + (ROOT_NAME_BYTES - 1) + " bytes: '" + name + "'");
        }
        byte[] key = new byte[ROOT_NAME_BYTES];
        for (int i = 0; i < b.length; i++) {
            key[i] = b[i];
        }
        return key;
    }
}
