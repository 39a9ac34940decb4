package dev.domus.hv.mem;

import static dev.domus.abi.XenErrno.XEN_EAGAIN;
import static dev.domus.abi.XenErrno.XEN_EBUSY;
import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.hv.p2m.P2mType.p2m_map_foreign_ro;
import static dev.domus.hv.p2m.P2mType.p2m_ram_rw;
import static dev.domus.hv.p2m.P2mType.p2m_ram_shared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.domus.abi.Xen;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CopyOnWriteTest {

    private static final int PAGE = 4096;

    private final MachineMemory mem = new MachineMemory(64 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);
    private final DomainMemory a = new DomainMemory(1, alloc, 8, 8);
    private final DomainMemory b = new DomainMemory(2, alloc, 8, 8);
    private final GuestMemoryView va;
    private final GuestMemoryView vb;

    CopyOnWriteTest() {
        a.populateRange(0, 8);
        b.populateRange(0, 8);
        va = a.newView();
        vb = b.newView();
        va.putLong(3L * PAGE + 16, 0x5151);
        vb.putLong(5L * PAGE + 16, 0x5151);
    }

    @AfterEach
    void close() {
        mem.close();
    }

    private void shareA3B5() {
        assertEquals(0, a.nominateShare(3));
        assertEquals(0, b.nominateShare(5));
        assertEquals(-XEN_EAGAIN, DomainMemory.share(a, 3, b, 5), "vCPUs have not quiesced since nomination");
        va.quiesce();
        vb.quiesce();
        assertEquals(0, DomainMemory.share(a, 3, b, 5));
    }

    @Test
    void identicalPagesShareOneFrameAndAWriteGivesThePageAPrivateCopy() {
        int freeBefore = alloc.freeFrames();
        shareA3B5();
        long shared = a.mfnOf(3);
        assertEquals(shared, b.mfnOf(5));
        assertEquals(Xen.DOMID_COW, alloc.owner(shared));
        assertEquals(2, alloc.refCount(shared));
        vb.quiesce(); // b's old frame leaves quarantine
        assertEquals(freeBefore + 1, alloc.freeFrames());
        assertEquals(0x5151, va.getLong(3L * PAGE + 16));
        assertEquals(0x5151, vb.getLong(5L * PAGE + 16));

        // b writes: b gets a private copy with the old content plus its write; a keeps the old.
        vb.putInt(5L * PAGE + 100, 77);
        assertEquals(p2m_ram_rw, b.typeOf(5));
        assertNotEquals(shared, b.mfnOf(5));
        assertEquals(0x5151, vb.getLong(5L * PAGE + 16));
        assertEquals(77, vb.getInt(5L * PAGE + 100));
        assertEquals(0, va.getInt(3L * PAGE + 100));
        assertEquals(p2m_ram_shared, a.typeOf(3));
        vb.quiesce();
        assertEquals(1, alloc.refCount(shared));

        // a, now the last sharer, takes the frame back without a copy.
        va.putInt(3L * PAGE, 1);
        assertEquals(shared, a.mfnOf(3));
        assertEquals(1, alloc.owner(shared));
        assertEquals(0, alloc.framesOwnedBy(Xen.DOMID_COW));
    }

    @Test
    void aSiblingVcpuStopsReadingTheOldFrameAfterTheBreak() {
        shareA3B5();
        GuestMemoryView vb2 = b.newView();
        assertEquals(0x5151, vb2.getLong(5L * PAGE + 16)); // cached read-only translation
        vb.putLong(5L * PAGE + 16, 0x6262);
        assertEquals(0x6262, vb2.getLong(5L * PAGE + 16));
        assertEquals(0x5151, va.getLong(3L * PAGE + 16));
    }

    @Test
    void hypervisorWritesBreakSharingToo() {
        shareA3B5();
        org.agrona.concurrent.UnsafeBuffer one = new org.agrona.concurrent.UnsafeBuffer(new byte[8]);
        one.putLong(0, 9);
        assertEquals(0, b.copyToGuest(5L * PAGE + 16, one, 0, 8));
        assertEquals(9, vb.getLong(5L * PAGE + 16));
        assertEquals(0x5151, va.getLong(3L * PAGE + 16));
    }

    @Test
    void sharingRefusesDifferentContentMappedFramesAndNonRam() {
        vb.putLong(5L * PAGE + 24, 1); // now different
        assertEquals(0, a.nominateShare(3));
        assertEquals(0, b.nominateShare(5));
        va.quiesce();
        vb.quiesce();
        assertEquals(-XEN_EINVAL, DomainMemory.share(a, 3, b, 5));
        assertEquals(-XEN_EINVAL, DomainMemory.share(a, 3, b, 6), "b's pfn 6 is not nominated");
        assertEquals(-XEN_EINVAL, a.nominateShare(99));
        DomainMemory dom0 = new DomainMemory(0, alloc, 4, 4);
        assertEquals(0, dom0.mapForeign(0, a, 4, p2m_map_foreign_ro));
        assertEquals(-XEN_EBUSY, a.nominateShare(4), "another domain maps the frame");
    }
}
