package dev.domus.sdk.mem;

import static org.junit.jupiter.api.Assertions.*;

import dev.domus.abi.XenErrno;
import dev.domus.sdk.ArrayGuestMemory;
import dev.domus.sdk.XenException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GuestHeapTest {

    private final ArrayGuestMemory memory = new ArrayGuestMemory(1 << 20);

    @Test
    void blocksDoNotOverlapAndKeepTheirContents() {
        GuestHeap heap = GuestHeap.format(memory, 4096, 256 * 1024);
        Random r = new Random(42);
        List<long[]> live = new ArrayList<>();
        for (int round = 0; round < 4000; round++) {
            if (!live.isEmpty() && r.nextInt(3) == 0) {
                long[] b = live.remove(r.nextInt(live.size()));
                for (int i = 0; i < b[1]; i++) {
                    assertEquals((byte) (b[2] + i), memory.getByte(b[0] + i), "block corrupted");
                }
                heap.free(b[0]);
            } else {
                int n = 1 + r.nextInt(700);
                long a;
                try {
                    a = heap.allocate(n);
                } catch (XenException full) {
                    continue;
                }
                assertEquals(0, a & 7, "payload must be 8-aligned");
                assertTrue(heap.usableSize(a) >= n);
                int seed = r.nextInt();
                for (int i = 0; i < n; i++) {
                    memory.putByte(a + i, (byte) (seed + i));
                }
                live.add(new long[] {a, n, seed});
            }
        }
        for (long[] b : live) {
            heap.free(b[0]);
        }
        assertEquals(0, heap.usedBytes());
        // everything coalesced back into one block: the largest request fits again
        long big = heap.allocate(256 * 1024 - GuestHeap.HEADER - 16);
        heap.free(big);
    }

    @Test
    void exhaustionSaysHowMuchIsFree() {
        GuestHeap heap = GuestHeap.format(memory, 0, 4096);
        heap.allocate(3000);
        XenException e = assertThrows(XenException.class, () -> heap.allocate(2000));
        assertEquals(XenErrno.XEN_ENOMEM, e.errno());
        assertTrue(e.getMessage().contains("heap of 4096 bytes"), e.getMessage());
    }

    @Test
    void doubleFreeAndForeignAddressesAreRefused() {
        GuestHeap heap = GuestHeap.format(memory, 0, 8192);
        long a = heap.allocate(100);
        long b = heap.allocate(100);
        heap.free(a);
        long used = heap.usedBytes();
        XenException twice = assertThrows(XenException.class, () -> heap.free(a));
        assertTrue(twice.getMessage().contains("double free"), twice.getMessage());
        assertThrows(XenException.class, () -> heap.free(b + 8));
        assertThrows(XenException.class, () -> heap.free(100_000));
        assertEquals(used, heap.usedBytes());
        heap.free(b);
    }

    @Test
    void heapSurvivesSnapshotAndRestore() {
        GuestHeap heap = GuestHeap.format(memory, 8192, 16384);
        long a = heap.storeBytes("survives".getBytes());
        ArrayGuestMemory restored = ArrayGuestMemory.restore(memory.snapshot());
        GuestHeap again = GuestHeap.attach(restored, 8192);
        assertEquals("survives", new String(again.loadBytes(a)));
        assertEquals(heap.usedBytes(), again.usedBytes());
        again.free(a);
        assertEquals(0, again.usedBytes());
    }
}
