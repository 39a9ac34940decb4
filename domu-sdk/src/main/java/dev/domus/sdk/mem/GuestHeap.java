package dev.domus.sdk.mem;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;

/**
 * A byte heap living in a contiguous range of guest memory: {@code malloc}/{@code free} over
 * guest-physical addresses, with every piece of bookkeeping in guest memory, so a heap and
 * all it holds survive save, restore and migration without serialization.
 *
 * <p>Layout: a 64-byte header ({@code magic, size, free-list head, bytes in use, lock}), then
 * blocks with boundary tags: an 8-byte header and footer each holding the block size with the
 * low bit set when in use. A free block keeps the offsets of its free-list neighbours in its
 * first 16 payload bytes. Allocation is first fit (splitting from the tail of the free block
 * so the list is left untouched); freeing coalesces with both neighbours. Payload addresses
 * are 8-byte aligned. All offsets are relative to the heap's base, so the heap is position
 * independent.
 */
public final class GuestHeap {

    /** "DOMUHEAP" little-endian. */
    public static final long MAGIC = 0x5041454855_4D4F44L;
    private static final int MAGIC_OFFSET = 0;
    private static final int SIZE_OFFSET = 8;
    private static final int FREE_HEAD_OFFSET = 16;
    private static final int USED_OFFSET = 24;
    private static final int LOCK_OFFSET = 32;
    /** Size of the heap header; the first block starts here. */
    public static final int HEADER = 64;
    private static final int TAG = 8;
    private static final int MIN_BLOCK = 32;

    private final GuestMemory memory;
    private final long base;
    private final long size;
    private final GuestSpinLock lock;

    private GuestHeap(GuestMemory memory, long base) {
        this.memory = memory;
        this.base = base;
        this.size = memory.getLong(base + SIZE_OFFSET);
        this.lock = new GuestSpinLock(memory, base + LOCK_OFFSET);
    }

    /** Formats a new, empty heap over {@code [base, base + size)}. */
    public static GuestHeap format(GuestMemory memory, long base, long size) {
        if ((base & 7) != 0 || size < HEADER + MIN_BLOCK || (size & 7) != 0) {
            throw new IllegalArgumentException("heap needs an 8-aligned base and a size >= "
                    + (HEADER + MIN_BLOCK) + " that is a multiple of 8 (base 0x" + Long.toHexString(base) + ", size " + size + ")");
        }
        memory.setMemory(base, HEADER, (byte) 0);
        memory.putLong(base + SIZE_OFFSET, size);
        long block = HEADER;
        long blockSize = size - HEADER;
        memory.putLong(base + block, blockSize);
        memory.putLong(base + block + blockSize - TAG, blockSize);
        memory.putLong(base + block + TAG, 0);
        memory.putLong(base + block + 2 * TAG, 0);
        memory.putLong(base + FREE_HEAD_OFFSET, block);
        memory.putLong(base + USED_OFFSET, 0);
        memory.putLongVolatile(base + MAGIC_OFFSET, MAGIC);
        return new GuestHeap(memory, base);
    }

    /** Attaches to a heap formatted earlier at {@code base}. */
    public static GuestHeap attach(GuestMemory memory, long base) {
        if (memory.getLongVolatile(base + MAGIC_OFFSET) != MAGIC) {
            throw new XenException(XenErrno.XEN_EINVAL, "GuestHeap.attach", "no heap at 0x" + Long.toHexString(base));
        }
        return new GuestHeap(memory, base);
    }

    public GuestMemory memory() {
        return memory;
    }

    public long base() {
        return base;
    }

    /** Total bytes of the heap, header included. */
    public long size() {
        return size;
    }

    /** Bytes currently allocated, including block tags. */
    public long usedBytes() {
        return memory.getLongVolatile(base + USED_OFFSET);
    }

    /**
     * Allocates at least {@code bytes} bytes and returns the guest-physical address of the
     * (8-aligned, uncleared) payload. Throws {@code XEN_ENOMEM} naming the heap's state when
     * no free block is large enough.
     */
    public long allocate(long bytes) {
        if (bytes < 0 || bytes > size) {
            throw new XenException(XenErrno.XEN_ENOMEM, "GuestHeap.allocate(" + bytes + ")",
                    "request larger than the whole heap (" + size + " bytes)");
        }
        long need = Math.max(MIN_BLOCK, ((bytes + 7) & ~7L) + 2 * TAG);
        lock.lock();
        try {
            long b = memory.getLong(base + FREE_HEAD_OFFSET);
            while (b != 0) {
                long bs = memory.getLong(base + b);
                if (bs >= need) {
                    long used;
                    if (bs - need >= MIN_BLOCK) {
                        long rest = bs - need;
                        setTags(b, rest, false);
                        used = b + rest;
                        setTags(used, need, true);
                    } else {
                        unlink(b);
                        used = b;
                        need = bs;
                        setTags(used, need, true);
                    }
                    memory.putLong(base + USED_OFFSET, memory.getLong(base + USED_OFFSET) + need);
                    return base + used + TAG;
                }
                b = memory.getLong(base + b + TAG);
            }
        } finally {
            lock.unlock();
        }
        throw new XenException(XenErrno.XEN_ENOMEM, "GuestHeap.allocate(" + bytes + ")",
                "heap of " + size + " bytes has " + (size - HEADER - usedBytes()) + " free, no block large enough");
    }

    /** Usable payload bytes of an allocated block (at least what was asked for). */
    public long usableSize(long address) {
        long b = checkAllocated(address, "GuestHeap.usableSize");
        return (memory.getLong(base + b) & ~1L) - 2 * TAG;
    }

    /** Frees a block returned by {@link #allocate}; a double free or foreign address is refused. */
    public void free(long address) {
        lock.lock();
        try {
            long b = checkAllocated(address, "GuestHeap.free");
            long bs = memory.getLong(base + b) & ~1L;
            memory.putLong(base + USED_OFFSET, memory.getLong(base + USED_OFFSET) - bs);
            long next = b + bs;
            if (next < size) {
                long ns = memory.getLong(base + next);
                if ((ns & 1) == 0) {
                    unlink(next);
                    bs += ns;
                }
            }
            if (b > HEADER) {
                long ps = memory.getLong(base + b - TAG);
                if ((ps & 1) == 0) {
                    long prev = b - ps;
                    unlink(prev);
                    b = prev;
                    bs += ps;
                }
            }
            setTags(b, bs, false);
            long head = memory.getLong(base + FREE_HEAD_OFFSET);
            memory.putLong(base + b + TAG, head);
            memory.putLong(base + b + 2 * TAG, 0);
            if (head != 0) {
                memory.putLong(base + head + 2 * TAG, b);
            }
            memory.putLong(base + FREE_HEAD_OFFSET, b);
        } finally {
            lock.unlock();
        }
    }

    private long checkAllocated(long address, String what) {
        long b = address - TAG - base;
        if (b < HEADER || b >= size || (b & 7) != 0) {
            throw new XenException(XenErrno.XEN_EINVAL, what + "(0x" + Long.toHexString(address) + ")", "not an address in this heap");
        }
        long h = memory.getLong(base + b);
        long bs = h & ~1L;
        if ((h & 1) == 0 || bs < MIN_BLOCK || b + bs > size || memory.getLong(base + b + bs - TAG) != h) {
            throw new XenException(XenErrno.XEN_EINVAL, what + "(0x" + Long.toHexString(address) + ")",
                    "not an allocated block (double free or corrupted heap)");
        }
        return b;
    }

    private void setTags(long block, long blockSize, boolean used) {
        long tag = blockSize | (used ? 1 : 0);
        memory.putLong(base + block, tag);
        memory.putLong(base + block + blockSize - TAG, tag);
    }

    private void unlink(long block) {
        long next = memory.getLong(base + block + TAG);
        long prev = memory.getLong(base + block + 2 * TAG);
        if (prev == 0) {
            memory.putLong(base + FREE_HEAD_OFFSET, next);
        } else {
            memory.putLong(base + prev + TAG, next);
        }
        if (next != 0) {
            memory.putLong(base + next + 2 * TAG, prev);
        }
    }

    // ------------------------------------------------------------------ byte arrays

    /** Allocates a block holding {@code data} prefixed by its length; returns its address. */
    public long storeBytes(byte[] data) {
        long a = allocate(4L + data.length);
        memory.putInt(a, data.length);
        memory.putBytes(a + 4, data, 0, data.length);
        return a;
    }

    /** Reads back a block written by {@link #storeBytes}. */
    public byte[] loadBytes(long address) {
        int n = memory.getInt(address);
        byte[] b = new byte[n];
        memory.getBytes(address + 4, b, 0, n);
        return b;
    }
}
