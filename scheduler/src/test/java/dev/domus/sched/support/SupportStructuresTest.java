package dev.domus.sched.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The policies' data structures, checked against the JDK's collections on random operations. */
class SupportStructuresTest {

    @Test
    void slotMapMatchesHashMap() {
        SlotMap m = new SlotMap();
        Map<Integer, Integer> ref = new HashMap<>();
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            int k = r.nextInt(-500, 500) * 65536 + r.nextInt(4);
            switch (r.nextInt(3)) {
                case 0 -> {
                    m.put(k, i);
                    ref.put(k, i);
                }
                case 1 -> assertEquals(ref.containsKey(k) ? ref.remove(k) : -1, m.remove(k));
                default -> assertEquals(ref.getOrDefault(k, -1), m.get(k));
            }
            assertEquals(ref.size(), m.size());
        }
    }

    @Test
    void indexedHeapPollsInKeyThenTieOrder() {
        int n = 1000;
        IndexedHeap h = new IndexedHeap(4);
        h.ensureCapacity(n);
        TreeSet<long[]> ref = new TreeSet<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
            : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
        long[][] entry = new long[n][];
        SplittableRandom r = new SplittableRandom(5);
        long seq = 0;
        for (int i = 0; i < 200_000; i++) {
            int s = r.nextInt(n);
            switch (r.nextInt(4)) {
                case 0 -> {
                    if (!h.contains(s)) {
                        long k = r.nextInt(50);
                        h.add(s, k, seq);
                        entry[s] = new long[] {k, seq++, s};
                        ref.add(entry[s]);
                    }
                }
                case 1 -> {
                    assertEquals(entry[s] != null && ref.remove(entry[s]), h.remove(s));
                    entry[s] = null;
                }
                case 2 -> {
                    if (h.contains(s)) {
                        long k = r.nextInt(50);
                        ref.remove(entry[s]);
                        entry[s] = new long[] {k, entry[s][1], s};
                        ref.add(entry[s]);
                        h.update(s, k);
                    }
                }
                default -> {
                    int top = h.poll();
                    if (ref.isEmpty()) {
                        assertEquals(-1, top);
                    } else {
                        long[] e = ref.pollFirst();
                        assertEquals((int) e[2], top);
                        entry[top] = null;
                    }
                }
            }
            assertEquals(ref.size(), h.size());
        }
    }

    @Test
    void heapifyRestoresOrderAfterBatchRekey() {
        IndexedHeap h = new IndexedHeap(100);
        for (int s = 0; s < 100; s++) {
            h.add(s, s, s);
        }
        for (int s = 0; s < 100; s++) {
            h.rekey(s, Math.min(s, 30) - 1000);
        }
        h.heapify();
        long last = Long.MIN_VALUE;
        while (!h.isEmpty()) {
            int s = h.poll();
            long k = h.key(s);
            assertTrue(k >= last);
            last = k;
        }
    }

    @Test
    void slotSetAddsRemovesAndIterates() {
        SlotSet set = new SlotSet(2);
        set.ensureCapacity(10);
        assertTrue(set.add(3));
        assertFalse(set.add(3));
        set.add(5);
        set.add(9);
        assertTrue(set.remove(3));
        assertFalse(set.contains(3));
        assertEquals(2, set.size());
        int sum = 0;
        for (int i = 0; i < set.size(); i++) {
            sum += set.get(i);
        }
        assertEquals(14, sum);
    }
}
