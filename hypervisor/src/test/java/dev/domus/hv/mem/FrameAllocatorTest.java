package dev.domus.hv.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.Xen;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameAllocatorTest {

    private final MachineMemory mem = new MachineMemory(16 * 4096);
    private final FrameAllocator alloc = new FrameAllocator(mem);

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void countsTotalFreeAndPerOwner() {
        assertEquals(16, alloc.totalFrames());
        assertEquals(16, alloc.freeFrames());
        long a = alloc.alloc(1, 10);
        long b = alloc.alloc(1, 11);
        long c = alloc.alloc(2, 0);
        assertEquals(13, alloc.freeFrames());
        assertEquals(2, alloc.framesOwnedBy(1));
        assertEquals(1, alloc.framesOwnedBy(2));
        assertEquals(1, alloc.owner(a));
        assertEquals(FrameAllocator.PGT_WRITABLE_PAGE, alloc.type(b));
        assertEquals(11, alloc.m2p(b));
        assertEquals(1, alloc.refCount(c));
        assertTrue(alloc.put(a));
        assertEquals(1, alloc.framesOwnedBy(1));
        assertEquals(Xen.DOMID_INVALID, alloc.owner(a));
        assertEquals(FrameAllocator.PGT_NONE, alloc.type(a));
        assertEquals(14, alloc.freeFrames());
    }

    @Test
    void aFrameIsFreedOnlyWhenItsLastReferenceGoes() {
        long a = alloc.alloc(1, 0);
        alloc.get(a);
        alloc.getWritable(a);
        assertEquals(3, alloc.refCount(a));
        assertEquals(1, alloc.writeRefs(a));
        assertFalse(alloc.put(a));
        alloc.dropWriteRef(a);
        assertFalse(alloc.put(a));
        assertTrue(alloc.put(a));
        assertThrows(IllegalStateException.class, () -> alloc.put(a));
        assertThrows(IllegalStateException.class, () -> alloc.get(a));
    }

    @Test
    void freedFramesAreZeroedBeforeTheNextOwnerSeesThem() {
        long a = alloc.alloc(1, 0);
        MachineMemory.UNSAFE.setMemory(mem.frameAddress(a), 4096, (byte) 0x5A);
        alloc.put(a);
        long b = alloc.alloc(2, 0);
        assertEquals(a, b, "the freed frame is reused first");
        assertTrue(mem.isFrameZero(b));
    }

    @Test
    void exhaustionReturnsNoFrame() {
        for (int i = 0; i < 16; i++) {
            assertTrue(alloc.alloc(3, i) >= 0);
        }
        assertEquals(FrameAllocator.NO_FRAME, alloc.alloc(3, 16));
        assertEquals(16, alloc.framesOwnedBy(3));
    }

    @Test
    void sharingPassesTheFrameToDomidCowAndBack() {
        long a = alloc.alloc(4, 7);
        alloc.makeShared(a);
        assertEquals(Xen.DOMID_COW, alloc.owner(a));
        assertEquals(FrameAllocator.PGT_SHARED_PAGE, alloc.type(a));
        assertEquals(0, alloc.framesOwnedBy(4));
        assertEquals(1, alloc.framesOwnedBy(Xen.DOMID_COW));
        alloc.unshare(a, 5, 9);
        assertEquals(5, alloc.owner(a));
        assertEquals(9, alloc.m2p(a));
        assertEquals(0, alloc.framesOwnedBy(Xen.DOMID_COW));
        assertThrows(IndexOutOfBoundsException.class, () -> alloc.owner(16));
    }
}
