package dev.domus.hv.mem;

import static dev.domus.abi.XenErrno.XEN_EAGAIN;
import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.abi.XenErrno.XEN_ENOMEM;
import static dev.domus.abi.XenErrno.XEN_ESRCH;
import static dev.domus.hv.p2m.P2mType.p2m_ballooned;
import static dev.domus.hv.p2m.P2mType.p2m_ram_paged;
import static dev.domus.hv.p2m.P2mType.p2m_ram_rw;
import static dev.domus.hv.p2m.P2mType.p2m_ram_shared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.domus.abi.Xen;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** XENMEM_sharing_op_range_share on DomainMemory: the fork primitive behind templates. */
class RangeShareTest {

    private static final int PAGE = 4096;

    private final MachineMemory mem = new MachineMemory(64 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);
    /** The template: populated, written, never running (no view online). */
    private final DomainMemory parent = new DomainMemory(1, alloc, 8, 8);
    private final DomainMemory child = new DomainMemory(2, alloc, 8, 8);
    private final DomainMemory sibling = new DomainMemory(3, alloc, 8, 8);

    RangeShareTest() {
        parent.populateRange(0, 8);
        GuestMemoryView v = parent.newView();
        for (int pfn = 0; pfn < 8; pfn++) {
            v.putLong((long) pfn * PAGE + 8, 1000 + pfn);
        }
        v.offline();
        child.populateRange(0, 8);
        sibling.populateRange(0, 4); // PFNs 4..7 never populated
    }

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void childPagesMapTheParentsFramesAndItsOldFramesAreFreed() {
        int free = alloc.freeFrames();
        assertEquals(0, DomainMemory.rangeShare(parent, child, 2, 7));
        for (int pfn = 2; pfn < 8; pfn++) {
            assertEquals(p2m_ram_shared, child.typeOf(pfn));
            assertEquals(parent.mfnOf(pfn), child.mfnOf(pfn));
            assertEquals(2, alloc.refCount(parent.mfnOf(pfn)));
            assertEquals(Xen.DOMID_COW, alloc.owner(parent.mfnOf(pfn)));
        }
        assertEquals(p2m_ram_rw, child.typeOf(1), "outside the range: untouched");
        assertEquals(free + 6, alloc.freeFrames(), "the child's six old frames went back (no view online)");
        assertEquals(6, alloc.sharingFreedPages());
        assertEquals(8, child.currentReservation());
        GuestMemoryView c = child.newView();
        assertEquals(1005, c.getLong(5L * PAGE + 8));
        assertEquals(0, c.getLong(1L * PAGE + 8));
    }

    @Test
    void aWriteInOneForkBreaksOnlyThatPageAndTheOthersStillReadTheTemplate() {
        assertEquals(0, DomainMemory.rangeShare(parent, child, 0, 7));
        assertEquals(0, DomainMemory.rangeShare(parent, sibling, 0, 7));
        long frame = parent.mfnOf(6);
        assertEquals(3, alloc.refCount(frame));
        GuestMemoryView c = child.newView();
        GuestMemoryView s = sibling.newView();
        c.putLong(6L * PAGE + 8, 42);
        assertEquals(42, c.getLong(6L * PAGE + 8));
        assertEquals(p2m_ram_rw, child.typeOf(6));
        assertNotEquals(frame, child.mfnOf(6));
        assertEquals(1006, s.getLong(6L * PAGE + 8));
        assertEquals(p2m_ram_shared, child.typeOf(5), "only the written page broke");
        c.quiesce();
        assertEquals(2, alloc.refCount(frame));
    }

    @Test
    void unpopulatedPagesOfTheChildArePopulatedSharedWithinItsMaximum() {
        assertEquals(0, DomainMemory.rangeShare(parent, sibling, 0, 7));
        assertEquals(8, sibling.currentReservation());
        assertEquals(p2m_ram_shared, sibling.typeOf(7));

        DomainMemory small = new DomainMemory(4, alloc, 8, 3);
        small.populateRange(0, 2);
        assertEquals(-XEN_ENOMEM, DomainMemory.rangeShare(parent, small, 0, 7));
        assertEquals(3, small.currentReservation());
        assertEquals(p2m_ram_shared, small.typeOf(2));
        assertEquals(0, small.typeOf(3), "nothing past the maximum");
    }

    @Test
    void aBalloonedChildPageIsFilledAgain() {
        assertEquals(0, child.release(4));
        assertEquals(p2m_ballooned, child.typeOf(4));
        assertEquals(0, DomainMemory.rangeShare(parent, child, 4, 4));
        assertEquals(p2m_ram_shared, child.typeOf(4));
        assertEquals(8, child.currentReservation());
    }

    @Test
    void aPagedOutChildPageLeavesThePageStoreAndAForkFromAnotherParentReplacesSharedPages(@TempDir Path dir)
            throws Exception {
        try (FilePageStore store = new FilePageStore(dir.resolve("child.pages"))) {
            child.setPageStore(store);
            assertEquals(0, child.pageOut(3));
            assertEquals(p2m_ram_paged, child.typeOf(3));
            assertEquals(1, store.pages());
            assertEquals(0, DomainMemory.rangeShare(parent, child, 0, 7));
            assertEquals(0, store.pages(), "the paged-out copy is discarded");
            assertEquals(parent.mfnOf(3), child.mfnOf(3));
            assertEquals(8, child.currentReservation());

            // Forked again from another parent: the shared pages now map that parent's frames,
            // and the first parent's frames lose the child's reference.
            long first = parent.mfnOf(5);
            assertEquals(0, DomainMemory.rangeShare(sibling, child, 0, 3));
            assertEquals(sibling.mfnOf(2), child.mfnOf(2));
            assertEquals(first, child.mfnOf(5), "outside the second range");
            assertEquals(1, alloc.refCount(parent.mfnOf(2)), "the first parent's frame lost the child's reference");
        }
    }

    @Test
    void aRunningParentMustQuiesceBeforeItsPagesAreMapped() {
        GuestMemoryView running = parent.newView(); // online, has not quiesced since the nomination
        assertEquals(-XEN_EAGAIN, DomainMemory.rangeShare(parent, child, 0, 7));
        assertEquals(p2m_ram_rw, child.typeOf(3), "nothing mapped yet");
        running.quiesce();
        assertEquals(0, DomainMemory.rangeShare(parent, child, 0, 7));
        assertEquals(parent.mfnOf(3), child.mfnOf(3));
    }

    @Test
    void badRangesAndDyingDomainsAreRefusedAndChangeNothing() {
        int free = alloc.freeFrames();
        assertEquals(-XEN_EINVAL, DomainMemory.rangeShare(parent, child, 5, 4));
        assertEquals(-XEN_EINVAL, DomainMemory.rangeShare(parent, child, 0, 8));
        assertEquals(-XEN_EINVAL, DomainMemory.rangeShare(parent, child, -1, 3));
        assertEquals(-XEN_EINVAL, DomainMemory.rangeShare(parent, parent, 0, 3));
        child.destroy();
        assertEquals(-XEN_ESRCH, DomainMemory.rangeShare(parent, child, 0, 3));
        assertEquals(p2m_ram_rw, parent.typeOf(0), "the parent was not even nominated");
        assertEquals(free + 8, alloc.freeFrames());
    }

    @Test
    void destroyingTheParentKeepsTheFramesForTheChildUntilItGoesToo() {
        int free = alloc.freeFrames();
        assertEquals(0, DomainMemory.rangeShare(parent, child, 0, 7));
        long frame = parent.mfnOf(2);
        parent.destroy();
        assertEquals(1, alloc.refCount(frame));
        GuestMemoryView c = child.newView();
        assertEquals(1002, c.getLong(2L * PAGE + 8));
        c.offline();
        child.destroy();
        assertEquals(free + 16, alloc.freeFrames(), "every frame of both is free again");
        assertEquals(0, alloc.framesOwnedBy(Xen.DOMID_COW));
    }
}
