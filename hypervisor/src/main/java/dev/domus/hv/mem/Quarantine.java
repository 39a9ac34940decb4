package dev.domus.hv.mem;

import java.util.Arrays;

/**
 * Frame references a domain has let go of but that a vCPU of that domain may still reach through
 * a stale translation. Each entry carries the P2M generation at which the mapping was removed;
 * it may be dropped once every online vCPU view of the domain has quiesced at that generation or
 * later (see {@link DomainMemory}). Entries arrive in non-decreasing generation order, so this is
 * a FIFO. Not thread-safe: the owning {@link DomainMemory} guards it with its lock.
 */
final class Quarantine {

    private long[] mfn = new long[64];
    private long[] generation = new long[64];
    private DomainMemory[] writableOwner = new DomainMemory[64];
    private int head;
    private int tail;

    boolean isEmpty() {
        return head == tail;
    }

    int size() {
        return tail - head;
    }

    /**
     * Queues one reference on {@code frame} removed at {@code gen}; {@code owner} is the frame's
     * owner when the reference was a writable mapping of another domain's frame, else null.
     */
    void add(long frame, long gen, DomainMemory owner) {
        if (tail == mfn.length) {
            compactOrGrow();
        }
        mfn[tail] = frame;
        generation[tail] = gen;
        writableOwner[tail] = owner;
        tail++;
    }

    /** Generation of the oldest entry; only when not empty. */
    long headGeneration() {
        return generation[head];
    }

    long headMfn() {
        return mfn[head];
    }

    DomainMemory headOwner() {
        return writableOwner[head];
    }

    void removeHead() {
        writableOwner[head] = null;
        head++;
        if (head == tail) {
            head = 0;
            tail = 0;
        }
    }

    private void compactOrGrow() {
        int n = tail - head;
        if (head > 0 && n < mfn.length / 2) {
            System.arraycopy(mfn, head, mfn, 0, n);
            System.arraycopy(generation, head, generation, 0, n);
            System.arraycopy(writableOwner, head, writableOwner, 0, n);
            Arrays.fill(writableOwner, n, tail, null);
        } else {
            int cap = mfn.length * 2;
            mfn = Arrays.copyOfRange(mfn, head, head + cap);
            generation = Arrays.copyOfRange(generation, head, head + cap);
            writableOwner = Arrays.copyOfRange(writableOwner, head, head + cap);
        }
        head = 0;
        tail = n;
    }
}
