package dev.domus.sched.support;

import java.util.Arrays;

/**
 * Unit id to dense slot number: an open-addressing hash map from int to int with linear
 * probing and backward-shift deletion. Lookups allocate nothing (unlike a boxed
 * {@code HashMap<Integer, ...>}), so policies can resolve ids on their hot paths.
 */
public final class SlotMap {

    private static final int FREE = Integer.MIN_VALUE;

    private int[] keys;
    private int[] values;
    private int size;
    private int mask;

    public SlotMap() {
        keys = new int[16];
        values = new int[16];
        Arrays.fill(keys, FREE);
        mask = 15;
    }

    /** The slot for {@code key}, or -1. */
    public int get(int key) {
        int i = hash(key) & mask;
        while (true) {
            int k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == FREE) {
                return -1;
            }
            i = (i + 1) & mask;
        }
    }

    /** Maps {@code key} (any int but {@link Integer#MIN_VALUE}) to {@code value}. */
    public void put(int key, int value) {
        if (key == FREE) {
            throw new IllegalArgumentException("unit id " + key + " is reserved");
        }
        if ((size + 1) * 2 > keys.length) {
            rehash(keys.length * 2);
        }
        int i = hash(key) & mask;
        while (keys[i] != FREE && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (keys[i] == FREE) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    /** Removes {@code key}; returns its slot or -1. */
    public int remove(int key) {
        int i = hash(key) & mask;
        while (keys[i] != key) {
            if (keys[i] == FREE) {
                return -1;
            }
            i = (i + 1) & mask;
        }
        int removed = values[i];
        // Backward-shift deletion keeps every probe chain unbroken without tombstones.
        int gap = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            int k = keys[j];
            if (k == FREE) {
                break;
            }
            int home = hash(k) & mask;
            boolean movable = gap <= j ? (home <= gap || home > j) : (home <= gap && home > j);
            if (movable) {
                keys[gap] = k;
                values[gap] = values[j];
                gap = j;
            }
        }
        keys[gap] = FREE;
        size--;
        return removed;
    }

    public int size() {
        return size;
    }

    private void rehash(int capacity) {
        int[] oldKeys = keys;
        int[] oldValues = values;
        keys = new int[capacity];
        values = new int[capacity];
        Arrays.fill(keys, FREE);
        mask = capacity - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != FREE) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int hash(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
