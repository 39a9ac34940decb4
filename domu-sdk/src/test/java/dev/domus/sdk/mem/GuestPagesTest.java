package dev.domus.sdk.mem;

import static org.junit.jupiter.api.Assertions.*;

import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.ArrayGuestMemory;
import dev.domus.sdk.XenException;
import org.junit.jupiter.api.Test;

class GuestPagesTest {

    private final ArrayGuestMemory memory = new ArrayGuestMemory(64 * Xen.PAGE_SIZE);

    @Test
    void reservedRootAndBitmapPagesAreNeverHandedOut() {
        GuestPages pages = GuestPages.format(memory, 3, 64, new long[] {0, 1, 2, 10});
        assertEquals(64 - 5 - 1, pages.freePages()); // 0,1,2,10 + root 3 + one bitmap page 4
        for (int i = 0; i < 58; i++) {
            long p = pages.allocate();
            assertFalse(p <= 4 || p == 10, "handed out reserved pfn " + p);
        }
        XenException full = assertThrows(XenException.class, pages::allocate);
        assertEquals(XenErrno.XEN_ENOMEM, full.errno());
        assertTrue(full.getMessage().contains("0 of 64 pages free"), full.getMessage());
    }

    @Test
    void contiguousAllocationSkipsHolesAndFreeingMakesRoom() {
        GuestPages pages = GuestPages.format(memory, 0, 64, new long[] {20});
        long a = pages.allocateContiguous(10);
        assertEquals(2, a);
        long b = pages.allocateContiguous(10);
        assertEquals(21, b, "the run must skip reserved pfn 20");
        pages.freeContiguous(a, 10);
        assertEquals(31, pages.allocateContiguous(8), "next fit: searching continues after the last run");
        assertEquals(39, pages.allocateContiguous(20));
        assertEquals(2, pages.allocateContiguous(10), "only 5 pages left at the end: wraps to the freed hole");
        assertEquals(12, pages.allocateContiguous(6), "the 8-page hole before pfn 20");
        assertThrows(XenException.class, () -> pages.allocateContiguous(6));
    }

    @Test
    void doubleFreeIsRefusedAndChangesNothing() {
        GuestPages pages = GuestPages.format(memory, 0, 64, new long[0]);
        long p = pages.allocate();
        pages.free(p);
        long free = pages.freePages();
        XenException e = assertThrows(XenException.class, () -> pages.free(p));
        assertEquals(XenErrno.XEN_EINVAL, e.errno());
        assertTrue(e.getMessage().contains("double free"), e.getMessage());
        assertEquals(free, pages.freePages());
    }

    @Test
    void stateAndNamedRootsSurviveASnapshotAndRestore() {
        GuestPages pages = GuestPages.format(memory, 5, 64, new long[0]);
        long p = pages.allocate();
        pages.setRoot("kv.map", 0x1234_5000L);
        ArrayGuestMemory restored = ArrayGuestMemory.restore(memory.snapshot());
        GuestPages again = GuestPages.attach(restored, 5);
        assertTrue(again.isUsed(p));
        assertEquals(pages.freePages(), again.freePages());
        assertEquals(0x1234_5000L, again.root("kv.map"));
        assertEquals(0, again.root("missing"));
        assertThrows(XenException.class, () -> GuestPages.attach(restored, 9));
    }
}
