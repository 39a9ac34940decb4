package dev.domus.hv.mem;

import static dev.domus.abi.XenErrno.XEN_EFAULT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.GuestMemoryFault;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuestMemoryViewTest {

    private static final int PAGE = 4096;

    private final MachineMemory mem = new MachineMemory(64 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);
    private final DomainMemory dom = new DomainMemory(1, alloc, 16, 16);
    private final GuestMemoryView view;

    GuestMemoryViewTest() {
        assertEquals(8, dom.populateRange(0, 8));
        view = dom.newView();
    }

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void everyWidthRoundTripsLittleEndian() {
        view.putByte(5, (byte) -3);
        assertEquals(-3, view.getByte(5));
        view.putShort(100, (short) 0x1234);
        assertEquals(0x34, view.getByte(100));
        assertEquals(0x12, view.getByte(101));
        assertEquals(0x1234, view.getShort(100));
        view.putInt(200, 0xCAFEBABE);
        assertEquals((byte) 0xBE, view.getByte(200));
        assertEquals(0xCAFEBABE, view.getInt(200));
        view.putLong(300, 0x0102030405060708L);
        assertEquals(0x08, view.getByte(300));
        assertEquals(0x0102030405060708L, view.getLong(300));
        assertEquals(8, dom.currentReservation());
        assertEquals(16L * PAGE, view.size());
    }

    @Test
    void accessesStraddlingAPageBoundaryAreSplitAcrossNonAdjacentFrames() {
        // Re-populate pfn 2 so the test does not depend on the first layout.
        assertEquals(0, dom.release(2));
        dom.reclaim();
        assertEquals(0, dom.populate(2));
        view.quiesce(); // lets the released frame out of quarantine
        long edge = 3L * PAGE - 4; // pfn 2 / pfn 3 boundary
        view.putLong(edge, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, view.getLong(edge));
        assertEquals(0x55667788, view.getInt(edge));
        assertEquals(0x11223344, view.getInt(edge + 4));
        view.putInt(2L * PAGE - 2, 0xA1B2C3D4);
        assertEquals(0xA1B2C3D4, view.getInt(2L * PAGE - 2));
        view.putShort(PAGE - 1, (short) 0x7788);
        assertEquals((short) 0x7788, view.getShort(PAGE - 1));
        // The bytes landed in two different machine frames at the right offsets.
        UnsafeBuffer f2 = mem.wrapFrame(dom.mfnOf(2), new UnsafeBuffer(0, 0));
        UnsafeBuffer f3 = mem.wrapFrame(dom.mfnOf(3), new UnsafeBuffer(0, 0));
        assertEquals(0x55667788, f2.getInt(PAGE - 4));
        assertEquals(0x11223344, f3.getInt(0));
    }

    @Test
    void bulkCopiesSetAndOverlappingMoves() {
        byte[] src = new byte[3 * PAGE + 17];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) (i * 7);
        }
        view.putBytes(PAGE - 5, src, 0, src.length);
        byte[] back = new byte[src.length];
        view.getBytes(PAGE - 5, back, 0, back.length);
        assertArrayEquals(src, back);

        view.setMemory(10, 2 * PAGE, (byte) 0x11);
        assertEquals(0x11111111, view.getInt(2 * PAGE + 6));
        assertEquals((byte) ((PAGE + 15) * 7), view.getByte(2 * PAGE + 10));

        byte[] pattern = new byte[6000];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) i;
        }
        view.putBytes(100, pattern, 0, pattern.length);
        view.copy(100, 1100, pattern.length); // overlapping, destination above
        byte[] out = new byte[pattern.length];
        view.getBytes(1100, out, 0, out.length);
        assertArrayEquals(pattern, out);
        view.copy(1100, 50, pattern.length); // overlapping, destination below
        view.getBytes(50, out, 0, out.length);
        assertArrayEquals(pattern, out);
    }

    @Test
    void atomicsWorkOnAlignedAddressesAndFaultOnMisalignedOnes() {
        assertTrue(view.compareAndSetInt(PAGE + 8, 0, 5));
        assertFalse(view.compareAndSetInt(PAGE + 8, 0, 6));
        assertEquals(5, view.getIntVolatile(PAGE + 8));
        view.putIntVolatile(PAGE + 12, 9);
        view.putIntOrdered(PAGE + 16, 10);
        assertEquals(9, view.getInt(PAGE + 12));
        assertEquals(10, view.getInt(PAGE + 16));
        assertTrue(view.compareAndSetLong(PAGE + 24, 0, 1L << 40));
        assertEquals(1L << 40, view.getAndAddLong(PAGE + 24, 3));
        assertEquals((1L << 40) + 3, view.getLongVolatile(PAGE + 24));
        view.putLongVolatile(PAGE + 32, -1);
        assertEquals(-1, view.getLong(PAGE + 32));

        assertThrows(GuestMemoryFault.class, () -> view.compareAndSetInt(PAGE + 9, 0, 1));
        assertThrows(GuestMemoryFault.class, () -> view.getAndAddLong(PAGE + 4, 1));
        assertThrows(GuestMemoryFault.class, () -> view.getLongVolatile(PAGE - 4));
        assertThrows(GuestMemoryFault.class, () -> view.putIntOrdered(2, 1));
    }

    @Test
    void hostileAddressesFaultAndChangeNothing() {
        long sizeOfSpace = 16L * PAGE;
        GuestMemoryFault f = assertThrows(GuestMemoryFault.class, () -> view.getInt(sizeOfSpace));
        assertEquals(sizeOfSpace, f.address());
        assertThrows(GuestMemoryFault.class, () -> view.putLong(-8, 1));
        assertThrows(GuestMemoryFault.class, () -> view.getByte(Long.MIN_VALUE));
        assertThrows(GuestMemoryFault.class, () -> view.getByte(Long.MAX_VALUE));
        // pfn 8..15 are inside the space but never populated.
        assertThrows(GuestMemoryFault.class, () -> view.getByte(8L * PAGE));
        // A straddling write whose second page is unpopulated writes nothing.
        view.putInt(8L * PAGE - 8, 0x01020304);
        assertThrows(GuestMemoryFault.class, () -> view.putLong(8L * PAGE - 4, -1L));
        assertEquals(0x01020304, view.getInt(8L * PAGE - 8));
        assertEquals(0, view.getInt(8L * PAGE - 4));
        // Bulk ranges that overflow or are negative.
        byte[] buf = new byte[16];
        assertThrows(GuestMemoryFault.class, () -> view.getBytes(Long.MAX_VALUE - 4, buf, 0, 16));
        assertThrows(IndexOutOfBoundsException.class, () -> view.getBytes(0, buf, 8, 16));
        assertThrows(IndexOutOfBoundsException.class, () -> view.putBytes(0, buf, -1, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> view.getBytes(0, buf, 0, -1));
        assertThrows(GuestMemoryFault.class, () -> view.setMemory(0, -1, (byte) 0));
        assertThrows(GuestMemoryFault.class, () -> view.copy(0, 7L * PAGE, 2 * PAGE));
    }

    @Test
    void balloonedPagesFaultAndReadZeroWhenRepopulated() {
        view.putLong(3L * PAGE, 42);
        assertEquals(0, dom.release(3));
        GuestMemoryFault f = assertThrows(GuestMemoryFault.class, () -> view.getLong(3L * PAGE));
        assertTrue(f.getMessage().contains("ballooned"), f.getMessage());
        assertEquals(-dev.domus.abi.XenErrno.XEN_EINVAL, dom.release(3));
        assertEquals(0, dom.populate(3));
        assertEquals(0, view.getLong(3L * PAGE));
    }

    @Test
    void copyFromAndToGuestReturnEfaultInsteadOfThrowing() {
        UnsafeBuffer buf = new UnsafeBuffer(new byte[64]);
        buf.putLong(0, 77);
        assertEquals(0, view.copyToGuest(PAGE - 4, buf, 0, 16));
        UnsafeBuffer in = new UnsafeBuffer(new byte[64]);
        assertEquals(0, view.copyFromGuest(PAGE - 4, in, 8, 16));
        assertEquals(77, in.getLong(8));
        assertEquals(77, view.getLong(PAGE - 4));

        assertEquals(-XEN_EFAULT, view.copyFromGuest(8L * PAGE, in, 0, 8));
        assertEquals(-XEN_EFAULT, view.copyFromGuest(-1, in, 0, 8));
        assertEquals(-XEN_EFAULT, view.copyFromGuest(0, in, 60, 8));
        assertEquals(-XEN_EFAULT, view.copyFromGuest(0, in, -1, 8));
        assertEquals(-XEN_EFAULT, view.copyFromGuest(0, in, 0, -8));
        assertEquals(-XEN_EFAULT, view.copyToGuest(Long.MAX_VALUE - 2, buf, 0, 8));
        assertEquals(-XEN_EFAULT, view.copyToGuest(0, null, 0, 8));
        // The same calls on the domain (any thread) behave the same.
        assertEquals(0, dom.copyFromGuest(PAGE - 4, in, 0, 8));
        assertEquals(77, in.getLong(0));
        assertEquals(-XEN_EFAULT, dom.copyToGuest(16L * PAGE, buf, 0, 8));
        assertEquals(-XEN_EFAULT, dom.copyFromGuest(7L * PAGE + 4092, in, 0, 8));

        // Direct (off-heap) buffers work as well as heap ones.
        UnsafeBuffer direct = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(32));
        assertEquals(0, view.copyFromGuest(PAGE - 4, direct, 0, 8));
        assertEquals(77, direct.getLong(0));
    }

    @Test
    void aClosedViewFaults() {
        view.putInt(0, 1);
        view.close();
        assertThrows(GuestMemoryFault.class, () -> view.getInt(0));
        assertEquals(-XEN_EFAULT, view.copyFromGuest(0, new UnsafeBuffer(new byte[4]), 0, 4));
    }
}
