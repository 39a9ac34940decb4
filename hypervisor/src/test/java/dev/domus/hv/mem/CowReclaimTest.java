package dev.domus.hv.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.domus.hv.p2m.P2mType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaking sharing by a write that comes from outside the domain's vCPUs (a hypervisor copy, as
 * Dom0's writable foreign map does) while every vCPU is offline (a paused domain): the old
 * reference to the shared frame must be dropped at once, since no quiescent point of the domain
 * follows. Found by the sharing-scan benchmark, which rewrites paused domains between scans and
 * ran the host out of frames.
 */
class CowReclaimTest {

    private static final int PAGE = 4096;

    private final MachineMemory mem = new MachineMemory(64 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);
    private final DomainMemory a = new DomainMemory(1, alloc, 8, 8);
    private final DomainMemory b = new DomainMemory(2, alloc, 8, 8);

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void aHypervisorWriteToASharedPageOfAPausedDomainFreesTheOldReferenceAtOnce() {
        a.populateRange(0, 8);
        b.populateRange(0, 8);
        GuestMemoryView va = a.newView();
        GuestMemoryView vb = b.newView();
        va.putLong(3L * PAGE, 0x5151);
        vb.putLong(5L * PAGE, 0x5151);
        assertEquals(0, a.nominateShare(3));
        assertEquals(0, b.nominateShare(5));
        va.offline(); // both domains paused: no vCPU online
        vb.offline();
        assertEquals(0, DomainMemory.share(a, 3, b, 5));
        long shared = a.mfnOf(3);
        assertEquals(2, alloc.refCount(shared));
        int free = alloc.freeFrames();

        UnsafeBuffer word = new UnsafeBuffer(new byte[8]);
        word.putLong(0, 0x5151);
        assertEquals(0, a.copyToGuest(3L * PAGE, word, 0, 8), "a write by the hypervisor, not by a's vCPU");

        assertEquals(P2mType.p2m_ram_rw, a.typeOf(3));
        assertNotEquals(shared, a.mfnOf(3));
        assertEquals(0, a.quarantined(), "nothing of a's can still reach the old frame");
        assertEquals(1, alloc.refCount(shared), "b alone holds the shared frame now");
        assertEquals(free - 1, alloc.freeFrames(), "only the private copy was taken");

        // b, now the last sharer, takes the frame back: no frame is left behind.
        assertEquals(0, b.copyToGuest(5L * PAGE, word, 0, 8));
        assertEquals(shared, b.mfnOf(5));
        assertEquals(free - 1, alloc.freeFrames());
    }
}
