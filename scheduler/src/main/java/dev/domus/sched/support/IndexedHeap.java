package dev.domus.sched.support;

import java.util.Arrays;

/**
 * A binary min-heap of dense slot numbers ordered by a {@code long} key, ties broken by a
 * second {@code long} (a sequence number gives FIFO order among equal keys). Each slot
 * knows its heap position, so removal and re-keying of any member are O(log n); nothing
 * is allocated except when {@link #ensureCapacity} grows the arrays.
 */
public final class IndexedHeap {

    private int[] heap;
    private int[] pos;
    private long[] key;
    private long[] tie;
    private int size;

    public IndexedHeap(int capacity) {
        heap = new int[Math.max(capacity, 1)];
        pos = new int[Math.max(capacity, 1)];
        key = new long[Math.max(capacity, 1)];
        tie = new long[Math.max(capacity, 1)];
        Arrays.fill(pos, -1);
    }

    /** Makes room for slots {@code 0..capacity-1} (cold path). */
    public void ensureCapacity(int capacity) {
        if (capacity <= pos.length) {
            return;
        }
        int old = pos.length;
        heap = Arrays.copyOf(heap, capacity);
        pos = Arrays.copyOf(pos, capacity);
        key = Arrays.copyOf(key, capacity);
        tie = Arrays.copyOf(tie, capacity);
        Arrays.fill(pos, old, capacity, -1);
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public boolean contains(int slot) {
        return pos[slot] >= 0;
    }

    /** The slot with the smallest key, or -1 if empty. */
    public int peek() {
        return size == 0 ? -1 : heap[0];
    }

    /** The i-th slot in heap order (for scans in O(n)); 0 <= i < size. */
    public int at(int i) {
        return heap[i];
    }

    public long key(int slot) {
        return key[slot];
    }

    public void add(int slot, long k, long t) {
        key[slot] = k;
        tie[slot] = t;
        restore(slot);
    }

    /** Re-adds a slot with the key and tie it had when it was last removed. */
    public void restore(int slot) {
        int i = size++;
        heap[i] = slot;
        pos[slot] = i;
        siftUp(i);
    }

    /** Removes and returns the smallest, or -1 if empty. */
    public int poll() {
        if (size == 0) {
            return -1;
        }
        int top = heap[0];
        removeAt(0);
        return top;
    }

    /** Removes {@code slot} if present; returns whether it was. */
    public boolean remove(int slot) {
        int i = pos[slot];
        if (i < 0) {
            return false;
        }
        removeAt(i);
        return true;
    }

    /** Changes a member's key and restores heap order. */
    public void update(int slot, long k) {
        int i = pos[slot];
        long old = key[slot];
        key[slot] = k;
        if (k < old) {
            siftUp(i);
        } else {
            siftDown(i);
        }
    }

    /** Changes a member's key without reordering; call {@link #heapify} after a batch. */
    public void rekey(int slot, long k) {
        key[slot] = k;
    }

    /** Restores heap order after {@link #rekey} calls, in O(n). */
    public void heapify() {
        for (int i = (size >>> 1) - 1; i >= 0; i--) {
            siftDown(i);
        }
    }

    private void removeAt(int i) {
        int slot = heap[i];
        pos[slot] = -1;
        int last = --size;
        if (i != last) {
            int moved = heap[last];
            heap[i] = moved;
            pos[moved] = i;
            siftDown(i);
            if (heap[i] == moved) {
                siftUp(i);
            }
        }
    }

    private boolean less(int a, int b) {
        long ka = key[a];
        long kb = key[b];
        return ka < kb || (ka == kb && tie[a] < tie[b]);
    }

    private void siftUp(int i) {
        int slot = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            int p = heap[parent];
            if (!less(slot, p)) {
                break;
            }
            heap[i] = p;
            pos[p] = i;
            i = parent;
        }
        heap[i] = slot;
        pos[slot] = i;
    }

    private void siftDown(int i) {
        int slot = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int c = heap[child];
            int right = child + 1;
            if (right < size && less(heap[right], c)) {
                child = right;
                c = heap[child];
            }
            if (!less(c, slot)) {
                break;
            }
            heap[i] = c;
            pos[c] = i;
            i = child;
        }
        heap[i] = slot;
        pos[slot] = i;
    }
}
