package dev.domus.sched.support;

import java.util.Arrays;

/**
 * A set of dense slot numbers with O(1) add, remove and membership, and iteration in
 * insertion-scrambled order (removal swaps the last member into the hole).
 */
public final class SlotSet {

    private int[] members;
    private int[] pos;
    private int size;

    public SlotSet(int capacity) {
        members = new int[Math.max(capacity, 1)];
        pos = new int[Math.max(capacity, 1)];
        Arrays.fill(pos, -1);
    }

    public void ensureCapacity(int capacity) {
        if (capacity <= pos.length) {
            return;
        }
        int old = pos.length;
        members = Arrays.copyOf(members, capacity);
        pos = Arrays.copyOf(pos, capacity);
        Arrays.fill(pos, old, capacity, -1);
    }

    public boolean add(int slot) {
        if (pos[slot] >= 0) {
            return false;
        }
        pos[slot] = size;
        members[size++] = slot;
        return true;
    }

    public boolean remove(int slot) {
        int i = pos[slot];
        if (i < 0) {
            return false;
        }
        int last = members[--size];
        members[i] = last;
        pos[last] = i;
        pos[slot] = -1;
        return true;
    }

    public boolean contains(int slot) {
        return pos[slot] >= 0;
    }

    public int size() {
        return size;
    }

    /** The i-th member, 0 <= i < size. */
    public int get(int i) {
        return members[i];
    }
}
