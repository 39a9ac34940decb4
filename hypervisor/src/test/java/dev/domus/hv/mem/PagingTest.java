package dev.domus.hv.mem;

import static dev.domus.abi.XenErrno.XEN_EAGAIN;
import static dev.domus.abi.XenErrno.XEN_EBUSY;
import static dev.domus.abi.XenErrno.XEN_EFAULT;
import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.hv.p2m.P2mType.p2m_map_foreign_ro;
import static dev.domus.hv.p2m.P2mType.p2m_ram_paged;
import static dev.domus.hv.p2m.P2mType.p2m_ram_rw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.GuestMemoryFault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PagingTest {

    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private final MachineMemory mem = new MachineMemory(64 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);
    private final DomainMemory dom = new DomainMemory(1, alloc, 8, 8);
    private FilePageStore store;

    @AfterEach
    void close() throws IOException {
        if (store != null) {
            store.close();
        }
        mem.close();
    }

    private FilePageStore store() throws IOException {
        store = new FilePageStore(dir.resolve("pages.bin"));
        dom.setPageStore(store);
        return store;
    }

    @Test
    void aPagedOutPageComesBackFromTheFileOnAnyAccess() throws IOException {
        store();
        dom.populateRange(0, 8);
        GuestMemoryView v = dom.newView();
        for (int i = 0; i < PAGE; i += 8) {
            v.putLong(2L * PAGE + i, i * 31L);
        }
        int free = alloc.freeFrames();
        assertEquals(0, dom.nominatePageOut(2));
        assertEquals(-XEN_EAGAIN, dom.evictPage(2), "the vCPU may still hold a writable translation");
        v.quiesce();
        assertEquals(0, dom.evictPage(2));
        assertEquals(p2m_ram_paged, dom.typeOf(2));
        assertEquals(1, store.pages());
        assertEquals(PAGE, Files.size(dir.resolve("pages.bin")));
        v.quiesce();
        assertEquals(free + 1, alloc.freeFrames(), "the frame went back to the pool");
        assertEquals(8, dom.currentReservation(), "a paged-out page still belongs to the domain");

        // A read brings it back before proceeding.
        assertEquals(800 * 31L, v.getLong(2L * PAGE + 800));
        assertEquals(p2m_ram_rw, dom.typeOf(2));
        assertEquals(0, store.pages());
        for (int i = 0; i < PAGE; i += 8) {
            assertEquals(i * 31L, v.getLong(2L * PAGE + i));
        }
    }

    @Test
    void aPagedOutPageIsReadForASaveWithoutPagingItIn() throws IOException {
        store();
        dom.populateRange(0, 8);
        GuestMemoryView v = dom.newView();
        for (int i = 0; i < PAGE; i += 8) {
            v.putLong(3L * PAGE + i, i * 17L + 5);
        }
        UnsafeBuffer out = new UnsafeBuffer(new byte[PAGE]);
        assertEquals(-XEN_EINVAL, dom.readPagedOut(3, out), "a resident page is not read this way");
        assertEquals(-XEN_EINVAL, dom.readPagedOut(99, out), "outside the domain");
        assertEquals(0, dom.nominatePageOut(3));
        v.quiesce();
        assertEquals(0, dom.evictPage(3));
        v.quiesce();
        int free = alloc.freeFrames();
        assertEquals(0, dom.readPagedOut(3, out));
        for (int i = 0; i < PAGE; i += 8) {
            assertEquals(i * 17L + 5, out.getLong(i));
        }
        assertEquals(p2m_ram_paged, dom.typeOf(3), "still paged out");
        assertEquals(1, store.pages(), "still in the paging file");
        assertEquals(free, alloc.freeFrames(), "no frame taken");
        assertEquals(1, dom.pagedPages());
    }

    @Test
    void writesAndHypervisorCopiesPageInToo() throws IOException {
        store();
        dom.populateRange(0, 8);
        GuestMemoryView v = dom.newView();
        v.putInt(3L * PAGE + 4, 44);
        v.offline();
        assertEquals(0, dom.pageOut(3));
        assertEquals(0, dom.pageOut(4));
        v.putInt(3L * PAGE + 8, 45);
        assertEquals(44, v.getInt(3L * PAGE + 4));
        UnsafeBuffer buf = new UnsafeBuffer(new byte[8]);
        assertEquals(0, dom.copyFromGuest(4L * PAGE, buf, 0, 8));
        assertEquals(0, buf.getLong(0));
        assertEquals(p2m_ram_rw, dom.typeOf(4));
    }

    @Test
    void aWriteAfterNominationCancelsThePageOut() throws IOException {
        store();
        dom.populateRange(0, 8);
        GuestMemoryView v = dom.newView();
        assertEquals(0, dom.nominatePageOut(1));
        v.putInt(PAGE, 5);
        v.quiesce();
        assertEquals(-XEN_EBUSY, dom.evictPage(1));
        assertEquals(p2m_ram_rw, dom.typeOf(1));
        assertEquals(5, v.getInt(PAGE));
    }

    @Test
    void badPagingRequestsAreRefused() throws IOException {
        dom.populateRange(0, 4);
        assertEquals(-XEN_EINVAL, dom.nominatePageOut(0), "no page store set");
        store();
        assertEquals(-XEN_EINVAL, dom.nominatePageOut(6), "never populated");
        assertEquals(-XEN_EINVAL, dom.nominatePageOut(-1));
        assertEquals(-XEN_EBUSY, dom.evictPage(0), "not nominated");
        DomainMemory dom0 = new DomainMemory(0, alloc, 4, 4);
        assertEquals(0, dom0.mapForeign(0, dom, 2, p2m_map_foreign_ro));
        assertEquals(-XEN_EBUSY, dom.nominatePageOut(2), "another domain maps the frame");
    }

    @Test
    void aMissingSavedPageFaultsInsteadOfReturningGarbage() throws IOException {
        store();
        dom.populateRange(0, 4);
        assertEquals(0, dom.pageOut(1));
        store.discard(1, 1); // the store lost it
        GuestMemoryView v = dom.newView();
        GuestMemoryFault f = assertThrows(GuestMemoryFault.class, () -> v.getInt(PAGE));
        assertTrue(f.getMessage().contains("page-in failed"), f.getMessage());
        assertEquals(-XEN_EFAULT, v.copyFromGuest(PAGE, new UnsafeBuffer(new byte[4]), 0, 4));
        assertEquals(p2m_ram_paged, dom.typeOf(1));
    }

    @Test
    void releasingAndDestroyingDiscardSavedPages() throws IOException {
        int baseline = alloc.freeFrames();
        store();
        dom.populateRange(0, 4);
        assertEquals(0, dom.pageOut(1));
        assertEquals(0, dom.pageOut(2));
        assertEquals(0, dom.release(1));
        assertEquals(1, store.pages());
        assertEquals(3, dom.currentReservation());
        dom.destroy();
        assertEquals(0, store.pages());
        assertEquals(baseline, alloc.freeFrames());
    }
}
