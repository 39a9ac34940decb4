package dev.domus.sdk.mem;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A hash map from byte strings to byte strings whose buckets and entries live in a
 * {@link GuestHeap}, so the map survives save, restore and migration as it is. Re-attach with
 * {@link #attach} from the address {@link #address()} returned when it was created (keep it
 * in a {@link GuestPages} named root).
 *
 * <p>Layout: a header block ({@code magic, buckets address, capacity, size, lock}); a bucket
 * array of entry addresses; entries {@code next, hash, key length, value length, key, value}.
 * Chaining with FNV-1a hashes; the table doubles past a load factor of 3/4.
 */
public final class GuestHashMap {

    /** "DOMUHMAP". */
    public static final long MAGIC = 0x50414D48554D4F44L;
    private static final int MAGIC_OFFSET = 0;
    private static final int BUCKETS_OFFSET = 8;
    private static final int CAPACITY_OFFSET = 16;
    private static final int SIZE_OFFSET = 24;
    private static final int LOCK_OFFSET = 32;
    private static final int HEADER = 40;
    private static final int E_NEXT = 0;
    private static final int E_HASH = 8;
    private static final int E_KLEN = 12;
    private static final int E_VLEN = 16;
    private static final int E_DATA = 24;

    private final GuestHeap heap;
    private final GuestMemory memory;
    private final long header;
    private final GuestSpinLock lock;

    private GuestHashMap(GuestHeap heap, long header) {
        this.heap = heap;
        this.memory = heap.memory();
        this.header = header;
        this.lock = new GuestSpinLock(memory, header + LOCK_OFFSET);
    }

    /** Creates an empty map in {@code heap} with room for {@code initialCapacity} buckets. */
    public static GuestHashMap create(GuestHeap heap, int initialCapacity) {
        int cap = 16;
        while (cap < initialCapacity) {
            cap <<= 1;
        }
        GuestMemory m = heap.memory();
        long h = heap.allocate(HEADER);
        long buckets = heap.allocate(8L * cap);
        m.setMemory(buckets, 8L * cap, (byte) 0);
        m.setMemory(h, HEADER, (byte) 0);
        m.putLong(h + BUCKETS_OFFSET, buckets);
        m.putLong(h + CAPACITY_OFFSET, cap);
        m.putLongVolatile(h + MAGIC_OFFSET, MAGIC);
        return new GuestHashMap(heap, h);
    }

    /** Attaches to a map created earlier in {@code heap}. */
    public static GuestHashMap attach(GuestHeap heap, long address) {
        if (heap.memory().getLongVolatile(address + MAGIC_OFFSET) != MAGIC) {
            throw new XenException(XenErrno.XEN_EINVAL, "GuestHashMap.attach", "no map at 0x" + Long.toHexString(address));
        }
        return new GuestHashMap(heap, address);
    }

    /** The map's address, for {@link #attach}. */
    public long address() {
        return header;
    }

    public long size() {
        return memory.getLongVolatile(header + SIZE_OFFSET);
    }

    public byte[] get(byte[] key) {
        lock.lock();
        try {
            long e = find(key, hash(key));
            if (e == 0) {
                return null;
            }
            int klen = memory.getInt(e + E_KLEN);
            int vlen = memory.getInt(e + E_VLEN);
            byte[] v = new byte[vlen];
            memory.getBytes(e + E_DATA + klen, v, 0, vlen);
            return v;
        } finally {
            lock.unlock();
        }
    }

    public boolean containsKey(byte[] key) {
        lock.lock();
        try {
            return find(key, hash(key)) != 0;
        } finally {
            lock.unlock();
        }
    }

    /** Maps {@code key} to {@code value}; returns true if the key was new. */
    public boolean put(byte[] key, byte[] value) {
        int h = hash(key);
        lock.lock();
        try {
            long old = find(key, h);
            if (old != 0 && heap.usableSize(old) >= (long) E_DATA + key.length + value.length) {
                memory.putInt(old + E_VLEN, value.length);
                memory.putBytes(old + E_DATA + key.length, value, 0, value.length);
                return false;
            }
            long e = heap.allocate((long) E_DATA + key.length + value.length);
            memory.putInt(e + E_HASH, h);
            memory.putInt(e + E_KLEN, key.length);
            memory.putInt(e + E_VLEN, value.length);
            memory.putBytes(e + E_DATA, key, 0, key.length);
            memory.putBytes(e + E_DATA + key.length, value, 0, value.length);
            if (old != 0) {
                unlink(old, h);
                heap.free(old);
                memory.putLong(header + SIZE_OFFSET, size() - 1);
            }
            long slot = bucket(h);
            memory.putLong(e + E_NEXT, memory.getLong(slot));
            memory.putLong(slot, e);
            long size = size() + 1;
            memory.putLong(header + SIZE_OFFSET, size);
            if (size * 4 > capacity() * 3) {
                grow();
            }
            return old == 0;
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code key}; returns true if it was present. */
    public boolean remove(byte[] key) {
        int h = hash(key);
        lock.lock();
        try {
            long e = find(key, h);
            if (e == 0) {
                return false;
            }
            unlink(e, h);
            heap.free(e);
            memory.putLong(header + SIZE_OFFSET, size() - 1);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Calls {@code visitor} with every key and value (in bucket order). */
    public void forEach(BiConsumer<byte[], byte[]> visitor) {
        List<byte[][]> entries = new ArrayList<>();
        lock.lock();
        try {
            long cap = capacity();
            long buckets = memory.getLong(header + BUCKETS_OFFSET);
            for (long i = 0; i < cap; i++) {
                for (long e = memory.getLong(buckets + 8 * i); e != 0; e = memory.getLong(e + E_NEXT)) {
                    int klen = memory.getInt(e + E_KLEN);
                    int vlen = memory.getInt(e + E_VLEN);
                    byte[] k = new byte[klen];
                    byte[] v = new byte[vlen];
                    memory.getBytes(e + E_DATA, k, 0, klen);
                    memory.getBytes(e + E_DATA + klen, v, 0, vlen);
                    entries.add(new byte[][] {k, v});
                }
            }
        } finally {
            lock.unlock();
        }
        for (byte[][] kv : entries) {
            visitor.accept(kv[0], kv[1]);
        }
    }

    // String conveniences (UTF-8).

    public String get(String key) {
        byte[] v = get(key.getBytes(StandardCharsets.UTF_8));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    public boolean put(String key, String value) {
        return put(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    public boolean remove(String key) {
        return remove(key.getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ internals

    private long capacity() {
        return memory.getLong(header + CAPACITY_OFFSET);
    }

    private long bucket(int h) {
        return memory.getLong(header + BUCKETS_OFFSET) + 8L * (h & (capacity() - 1));
    }

    private long find(byte[] key, int h) {
        for (long e = memory.getLong(bucket(h)); e != 0; e = memory.getLong(e + E_NEXT)) {
            if (memory.getInt(e + E_HASH) == h && memory.getInt(e + E_KLEN) == key.length && keyEquals(e, key)) {
                return e;
            }
        }
        return 0;
    }

    private boolean keyEquals(long e, byte[] key) {
        for (int i = 0; i < key.length; i++) {
            if (memory.getByte(e + E_DATA + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    private void unlink(long target, int h) {
        long slot = bucket(h);
        long prev = 0;
        for (long e = memory.getLong(slot); e != 0; e = memory.getLong(e + E_NEXT)) {
            if (e == target) {
                long next = memory.getLong(e + E_NEXT);
                if (prev == 0) {
                    memory.putLong(slot, next);
                } else {
                    memory.putLong(prev + E_NEXT, next);
                }
                return;
            }
            prev = e;
        }
    }

    private void grow() {
        long oldCap = capacity();
        long oldBuckets = memory.getLong(header + BUCKETS_OFFSET);
        long newCap = oldCap * 2;
        long newBuckets;
        try {
            newBuckets = heap.allocate(8 * newCap);
        } catch (XenException full) {
            return; // stay at the current size: longer chains, still correct
        }
        memory.setMemory(newBuckets, 8 * newCap, (byte) 0);
        for (long i = 0; i < oldCap; i++) {
            long e = memory.getLong(oldBuckets + 8 * i);
            while (e != 0) {
                long next = memory.getLong(e + E_NEXT);
                long slot = newBuckets + 8L * (memory.getInt(e + E_HASH) & (newCap - 1));
                memory.putLong(e + E_NEXT, memory.getLong(slot));
                memory.putLong(slot, e);
                e = next;
            }
        }
        memory.putLong(header + BUCKETS_OFFSET, newBuckets);
        memory.putLong(header + CAPACITY_OFFSET, newCap);
        heap.free(oldBuckets);
    }

    /** FNV-1a, 32 bits. */
    static int hash(byte[] key) {
        int h = 0x811c9dc5;
        for (byte b : key) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return h;
    }
}
