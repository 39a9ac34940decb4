package dev.domus.hv.mem;

import static dev.domus.abi.XenErrno.XEN_EBUSY;
import static dev.domus.abi.XenErrno.XEN_EEXIST;
import static dev.domus.abi.XenErrno.XEN_EFAULT;
import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.abi.XenErrno.XEN_ENOMEM;
import static dev.domus.abi.XenErrno.XEN_ESRCH;
import static dev.domus.hv.p2m.P2mType.p2m_grant_map_ro;
import static dev.domus.hv.p2m.P2mType.p2m_grant_map_rw;
import static dev.domus.hv.p2m.P2mType.p2m_map_foreign_ro;
import static dev.domus.hv.p2m.P2mType.p2m_ram_rw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.GuestMemoryFault;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DomainMemoryTest {

    private static final int PAGE = 4096;

    private final MachineMemory mem = new MachineMemory(64 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void populateRespectsTheMaximumAndTheAddressSpace() {
        DomainMemory d = new DomainMemory(1, alloc, 8, 4);
        assertEquals(4, d.populateRange(0, 10));
        assertEquals(4, d.currentReservation());
        assertEquals(4, d.maximumReservation());
        assertEquals(-XEN_ENOMEM, d.populate(5));
        assertEquals(-XEN_EEXIST, d.populate(0));
        assertEquals(-XEN_EINVAL, d.populate(8));
        assertEquals(-XEN_EINVAL, d.populate(-1));
        assertEquals(-XEN_EINVAL, d.setMaxPages(3));
        assertEquals(0, d.setMaxPages(12));
        assertEquals(12, d.maxPfn());
        assertEquals(0, d.populate(11));
        assertEquals(p2m_ram_rw, d.typeOf(11));
        assertEquals(5, alloc.framesOwnedBy(1));
    }

    @Test
    void hostExhaustionIsEnomemAndChangesNothing() {
        DomainMemory big = new DomainMemory(1, alloc, 100, 100);
        assertEquals(64, big.populateRange(0, 100));
        assertEquals(-XEN_ENOMEM, big.populate(64));
        assertEquals(dev.domus.hv.p2m.P2mType.p2m_invalid, big.typeOf(64));
        assertEquals(64, big.currentReservation());
    }

    @Test
    void destroyReturnsEveryFrameToThePool() {
        int baseline = alloc.freeFrames();
        DomainMemory a = new DomainMemory(1, alloc, 16, 16);
        DomainMemory b = new DomainMemory(2, alloc, 16, 16);
        a.populateRange(0, 16);
        b.populateRange(0, 8);
        GuestMemoryView va = a.newView();
        va.putLong(0, 1);
        a.release(3);
        assertEquals(0, b.mapForeign(10, a, 5, p2m_grant_map_rw));
        va.offline(); // the core stops the vCPUs before destroying
        a.destroy();
        // b still maps a's frame: it stays allocated (owned by dying a) until b unmaps.
        assertEquals(1, alloc.framesOwnedBy(1));
        assertThrows(GuestMemoryFault.class, () -> va.getLong(0));
        assertEquals(-XEN_ESRCH, a.populate(0));
        assertEquals(0, b.unmapForeign(10));
        assertEquals(0, alloc.framesOwnedBy(1));
        b.destroy();
        assertEquals(baseline, alloc.freeFrames());
        assertEquals(0, alloc.framesOwnedBy(2));
    }

    @Test
    void destroyWithAnOnlineViewWaitsForItToQuiesce() {
        int baseline = alloc.freeFrames();
        DomainMemory a = new DomainMemory(1, alloc, 4, 4);
        a.populateRange(0, 4);
        GuestMemoryView v = a.newView();
        v.putInt(0, 1);
        a.destroy();
        assertEquals(4, a.quarantined(), "a vCPU may still be mid-access: nothing is freed yet");
        assertEquals(baseline - 4, alloc.freeFrames());
        v.quiesce();
        assertEquals(0, a.quarantined());
        assertEquals(baseline, alloc.freeFrames());
    }

    @Test
    void aFreedFrameReadsZeroForItsNextOwner() {
        DomainMemory a = new DomainMemory(1, alloc, 64, 64);
        a.populateRange(0, 64);
        GuestMemoryView va = a.newView();
        for (int p = 0; p < 64; p++) {
            va.setMemory((long) p * PAGE, PAGE, (byte) 0xEE);
        }
        va.offline();
        a.destroy();
        DomainMemory b = new DomainMemory(2, alloc, 64, 64);
        assertEquals(64, b.populateRange(0, 64));
        GuestMemoryView vb = b.newView();
        byte[] page = new byte[PAGE];
        for (int p = 0; p < 64; p++) {
            vb.getBytes((long) p * PAGE, page, 0, PAGE);
            for (byte x : page) {
                assertEquals(0, x);
            }
        }
    }

    @Test
    void releasedFramesAreFreedOnlyAfterEveryOnlineViewQuiesces() {
        DomainMemory a = new DomainMemory(1, alloc, 4, 4);
        a.populateRange(0, 4);
        GuestMemoryView v1 = a.newView();
        GuestMemoryView v2 = a.newView();
        v1.putInt(PAGE, 5);
        v2.getInt(PAGE);
        int free = alloc.freeFrames();
        assertEquals(0, a.release(1));
        assertEquals(free, alloc.freeFrames());
        v1.quiesce();
        assertEquals(free, alloc.freeFrames(), "v2 has not quiesced");
        v2.offline();
        assertEquals(free + 1, alloc.freeFrames());
        // An offline view comes back by itself and sees the new P2M.
        assertThrows(GuestMemoryFault.class, () -> v2.getInt(PAGE));
        assertTrue(!v2.isOffline());
    }

    @Test
    void foreignMapsHoldTheFrameAndHonourReadOnly() {
        DomainMemory owner = new DomainMemory(3, alloc, 4, 4);
        DomainMemory dom0 = new DomainMemory(0, alloc, 8, 4);
        owner.populateRange(0, 4);
        GuestMemoryView ov = owner.newView();
        ov.putLong(2L * PAGE + 8, 0xABCD);

        assertEquals(0, dom0.mapForeign(6, owner, 2, p2m_map_foreign_ro));
        GuestMemoryView v0 = dom0.newView();
        assertEquals(0xABCD, v0.getLong(6L * PAGE + 8));
        assertThrows(GuestMemoryFault.class, () -> v0.putLong(6L * PAGE + 8, 1));
        assertEquals(-XEN_EFAULT, v0.copyToGuest(6L * PAGE, new UnsafeBuffer(new byte[8]), 0, 8));
        assertEquals(0xABCD, ov.getLong(2L * PAGE + 8));

        // The owner balloons the page out; dom0's mapping keeps the frame alive and intact.
        long mfn = owner.mfnOf(2);
        assertEquals(0, owner.release(2));
        ov.offline();
        assertEquals(1, alloc.refCount(mfn));
        assertEquals(0xABCD, v0.getLong(6L * PAGE + 8));
        assertEquals(0, dom0.unmapForeign(6));
        v0.offline();
        assertEquals(0, alloc.refCount(mfn));

        // Hostile: self-map, bad owner pfn, occupied slot, ballooned owner page, bad types.
        assertEquals(-XEN_EINVAL, owner.mapForeign(3, owner, 0, p2m_grant_map_rw));
        assertEquals(-XEN_EINVAL, dom0.mapForeign(6, owner, 2, p2m_grant_map_ro));
        assertEquals(-XEN_EINVAL, dom0.mapForeign(6, owner, 99, p2m_grant_map_ro));
        assertEquals(-XEN_EINVAL, dom0.mapForeign(6, owner, -1, p2m_grant_map_ro));
        assertEquals(-XEN_EINVAL, dom0.mapForeign(6, owner, 0, p2m_ram_rw));
        assertEquals(-XEN_EINVAL, dom0.mapForeign(60, owner, 0, p2m_grant_map_ro));
        assertEquals(0, dom0.populate(0));
        assertEquals(-XEN_EBUSY, dom0.mapForeign(0, owner, 0, p2m_grant_map_ro));
        assertEquals(-XEN_EINVAL, dom0.unmapForeign(0));
        assertEquals(-XEN_EINVAL, dom0.unmapForeign(6));
        assertEquals(-XEN_EINVAL, dom0.release(6));
    }

    @Test
    void writableGrantMapWritesReachTheOwner() {
        DomainMemory owner = new DomainMemory(3, alloc, 4, 4);
        DomainMemory peer = new DomainMemory(4, alloc, 8, 4);
        owner.populateRange(0, 4);
        assertEquals(0, peer.mapForeign(7, owner, 1, p2m_grant_map_rw));
        peer.newView().putInt(7L * PAGE + 12, 99);
        assertEquals(99, owner.newView().getInt(PAGE + 12));
    }
}
