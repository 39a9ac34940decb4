package dev.domus.sdk.mem;

import static org.junit.jupiter.api.Assertions.*;

import dev.domus.sdk.ArrayGuestMemory;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GuestHashMapTest {

    private final ArrayGuestMemory memory = new ArrayGuestMemory(4 << 20);
    private final GuestHeap heap = GuestHeap.format(memory, 0, 4 << 20);

    @Test
    void behavesLikeAJavaMapUnderRandomOperations() {
        GuestHashMap map = GuestHashMap.create(heap, 4);
        Map<String, String> model = new HashMap<>();
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            String k = "key" + r.nextInt(3000);
            switch (r.nextInt(3)) {
                case 0:
                    String v = "v".repeat(r.nextInt(40)) + i;
                    assertEquals(!model.containsKey(k), map.put(k, v));
                    model.put(k, v);
                    break;
                case 1:
                    assertEquals(model.remove(k) != null, map.remove(k));
                    break;
                default:
                    assertEquals(model.get(k), map.get(k));
            }
        }
        assertEquals(model.size(), map.size());
        Map<String, String> seen = new HashMap<>();
        map.forEach((k, v) -> seen.put(new String(k), new String(v)));
        assertEquals(model, seen);
    }

    @Test
    void mapSurvivesSnapshotAndRestore() {
        GuestHashMap map = GuestHashMap.create(heap, 16);
        for (int i = 0; i < 500; i++) {
            map.put("k" + i, "value-" + i);
        }
        ArrayGuestMemory restored = ArrayGuestMemory.restore(memory.snapshot());
        GuestHashMap again = GuestHashMap.attach(GuestHeap.attach(restored, 0), map.address());
        assertEquals(500, again.size());
        assertEquals("value-123", again.get("k123"));
        assertNull(again.get("k500"));
    }

    @Test
    void removingEverythingReturnsAllEntryMemory() {
        GuestHashMap map = GuestHashMap.create(heap, 1024);
        long before = heap.usedBytes();
        for (int i = 0; i < 200; i++) {
            map.put("k" + i, "v" + i);
        }
        for (int i = 0; i < 200; i++) {
            assertTrue(map.remove("k" + i));
        }
        assertEquals(before, heap.usedBytes());
        assertEquals(0, map.size());
    }
}
