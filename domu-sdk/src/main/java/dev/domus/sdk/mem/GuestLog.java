package dev.domus.sdk.mem;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;

import java.nio.charset.StandardCharsets;

/**
 * An append-only log of byte records in a fixed region of guest memory, numbered by sequence;
 * when full, the oldest records are dropped (a flight recorder). Everything, positions
 * included, lives in guest memory, so the log survives save, restore and migration.
 *
 * <p>Layout: a 64-byte header ({@code magic, data capacity, head position, tail position,
 * first sequence, next sequence, lock}); then the data area, where each record is
 * {@code length u32, kind u32, sequence u64, payload}, padded to 8 bytes. Positions grow
 * monotonically; a record never wraps: a {@code kind = 1} marker skips the end of the area.
 */
public final class GuestLog {

    /** "DOMULOG1". */
    public static final long MAGIC = 0x31474F4C554D4F44L;
    private static final int CAPACITY_OFFSET = 8;
    private static final int HEAD_OFFSET = 16;
    private static final int TAIL_OFFSET = 24;
    private static final int FIRST_SEQ_OFFSET = 32;
    private static final int NEXT_SEQ_OFFSET = 40;
    private static final int LOCK_OFFSET = 48;
    private static final int HEADER = 64;
    private static final int REC_HEADER = 16;
    private static final int KIND_RECORD = 0;
    private static final int KIND_SKIP = 1;

    /** Receives records from {@link #forEach}. */
    @FunctionalInterface
    public interface Visitor {
        void record(long sequence, byte[] payload);
    }

    private final GuestMemory memory;
    private final long base;
    private final long capacity;
    private final GuestSpinLock lock;

    private GuestLog(GuestMemory memory, long base) {
        this.memory = memory;
        this.base = base;
        this.capacity = memory.getLong(base + CAPACITY_OFFSET);
        this.lock = new GuestSpinLock(memory, base + LOCK_OFFSET);
    }

    /** Formats an empty log over {@code [base, base + size)}; the sequence starts at 1. */
    public static GuestLog format(GuestMemory memory, long base, long size) {
        if ((base & 7) != 0 || size < HEADER + 64) {
            throw new IllegalArgumentException("log needs an 8-aligned base and at least " + (HEADER + 64) + " bytes");
        }
        memory.setMemory(base, HEADER, (byte) 0);
        memory.putLong(base + CAPACITY_OFFSET, (size - HEADER) & ~7L);
        memory.putLong(base + FIRST_SEQ_OFFSET, 1);
        memory.putLong(base + NEXT_SEQ_OFFSET, 1);
        memory.putLongVolatile(base, MAGIC);
        return new GuestLog(memory, base);
    }

    public static GuestLog attach(GuestMemory memory, long base) {
        if (memory.getLongVolatile(base) != MAGIC) {
            throw new XenException(XenErrno.XEN_EINVAL, "GuestLog.attach", "no log at 0x" + Long.toHexString(base));
        }
        return new GuestLog(memory, base);
    }

    public long address() {
        return base;
    }

    /** Sequence number of the oldest record still held (== {@link #nextSequence()} when empty). */
    public long firstSequence() {
        return memory.getLongVolatile(base + FIRST_SEQ_OFFSET);
    }

    /** Sequence number the next append will get. */
    public long nextSequence() {
        return memory.getLongVolatile(base + NEXT_SEQ_OFFSET);
    }

    /** Records held. */
    public long size() {
        return nextSequence() - firstSequence();
    }

    /** Appends a record, dropping the oldest if needed; returns its sequence number. */
    public long append(byte[] payload) {
        long recSize = (REC_HEADER + payload.length + 7) & ~7L;
        if (recSize > capacity) {
            throw new XenException(XenErrno.XEN_EMSGSIZE, "GuestLog.append(" + payload.length + " bytes)",
                    "record larger than the log's " + (capacity - REC_HEADER) + "-byte limit");
        }
        lock.lock();
        try {
            long tail = memory.getLong(base + TAIL_OFFSET);
            long off = tail % capacity;
            long skip = capacity - off < recSize ? capacity - off : 0;
            makeRoom(tail + skip + recSize);
            if (skip > 0) {
                memory.putInt(data(off) + 4, KIND_SKIP);
                memory.putInt(data(off), (int) skip);
                tail += skip;
                off = 0;
            }
            long seq = memory.getLong(base + NEXT_SEQ_OFFSET);
            long a = data(off);
            memory.putInt(a, payload.length);
            memory.putInt(a + 4, KIND_RECORD);
            memory.putLong(a + 8, seq);
            memory.putBytes(a + REC_HEADER, payload, 0, payload.length);
            memory.putLongVolatile(base + TAIL_OFFSET, tail + recSize);
            memory.putLongVolatile(base + NEXT_SEQ_OFFSET, seq + 1);
            return seq;
        } finally {
            lock.unlock();
        }
    }

    public long append(String text) {
        return append(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Visits every held record, oldest first. */
    public void forEach(Visitor visitor) {
        lock.lock();
        long pos;
        long tail;
        try {
            pos = memory.getLong(base + HEAD_OFFSET);
            tail = memory.getLong(base + TAIL_OFFSET);
        } finally {
            lock.unlock();
        }
        // Copy out under the lock record by record, then call the visitor outside it.
        while (true) {
            byte[] payload;
            long seq;
            lock.lock();
            try {
                long head = memory.getLong(base + HEAD_OFFSET);
                if (pos < head) {
                    pos = head; // overwritten meanwhile: continue from the oldest still held
                }
                if (pos >= tail) {
                    return;
                }
                long a = data(pos % capacity);
                if (memory.getInt(a + 4) == KIND_SKIP) {
                    pos += capacity - pos % capacity;
                    continue;
                }
                int len = memory.getInt(a);
                seq = memory.getLong(a + 8);
                payload = new byte[len];
                memory.getBytes(a + REC_HEADER, payload, 0, len);
                pos += (REC_HEADER + len + 7) & ~7L;
            } finally {
                lock.unlock();
            }
            visitor.record(seq, payload);
        }
    }

    private void makeRoom(long newTail) {
        long head = memory.getLong(base + HEAD_OFFSET);
        while (newTail - head > capacity) {
            long a = data(head % capacity);
            if (memory.getInt(a + 4) == KIND_SKIP) {
                head += capacity - head % capacity;
            } else {
                head += (REC_HEADER + memory.getInt(a) + 7) & ~7L;
                memory.putLong(base + FIRST_SEQ_OFFSET, memory.getLong(a + 8) + 1);
            }
        }
        memory.putLongVolatile(base + HEAD_OFFSET, head);
    }

    private long data(long offset) {
        return base + HEADER + offset;
    }
}
