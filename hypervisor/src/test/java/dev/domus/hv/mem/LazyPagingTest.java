package dev.domus.hv.mem;

import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.abi.XenErrno.XEN_EIO;
import static dev.domus.abi.XenErrno.XEN_ESRCH;
import static dev.domus.hv.p2m.P2mType.p2m_ram_paged;
import static dev.domus.hv.p2m.P2mType.p2m_ram_rw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.domus.abi.GuestMemoryFault;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link DomainMemory#markPaged} and {@link DomainMemory#pageInNow}: the hypervisor half of a lazy restore. */
class LazyPagingTest {

    private static final int PAGE = 4096;

    private final MachineMemory mem = new MachineMemory(64 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);
    private final DomainMemory dom = new DomainMemory(1, alloc, 8, 8);

    /** Pages that already hold their content elsewhere (as a save image does): page p is filled with p * 7 + 1. */
    private static final class ImageStore implements PageStore {
        final Map<Long, Integer> reads = new HashMap<>();
        long broken = -1;

        @Override
        public void writePage(int domid, long pfn, DirectBuffer page) throws IOException {
            throw new IOException("read-only");
        }

        @Override
        public void readPage(int domid, long pfn, MutableDirectBuffer page) throws IOException {
            if (pfn == broken) {
                throw new IOException("checksum error");
            }
            reads.merge(pfn, 1, Integer::sum);
            for (int i = 0; i < PAGE; i += 8) {
                page.putLong(i, pfn * 7 + 1 + i);
            }
        }

        @Override
        public void discard(int domid, long pfn) {
        }
    }

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void aMarkedPageComesFromTheStoreOnFirstTouchAndOnlyOnce() {
        ImageStore store = new ImageStore();
        assertEquals(-XEN_EINVAL, dom.markPaged(0), "no page store yet");
        dom.setPageStore(store);
        dom.populateRange(0, 8);
        for (long p = 0; p < 8; p++) {
            assertEquals(0, dom.markPaged(p));
            assertEquals(p2m_ram_paged, dom.typeOf(p));
        }
        assertEquals(-XEN_EINVAL, dom.markPaged(3), "already paged");
        GuestMemoryView v = dom.newView();
        // the guest's touch pages it in
        assertEquals(3 * 7 + 1 + 80, v.getLong(3L * PAGE + 80));
        assertEquals(p2m_ram_rw, dom.typeOf(3));
        // the background reader loads the rest, skipping what the guest already brought in
        for (long p = 0; p < 8; p++) {
            assertEquals(p == 3 ? 0 : 1, dom.pageInNow(p));
        }
        for (long p = 0; p < 8; p++) {
            assertEquals(1, store.reads.get(p), "pfn " + p + " read once");
            for (int i = 0; i < PAGE; i += 8) {
                assertEquals(p * 7 + 1 + i, v.getLong(p * PAGE + i));
            }
        }
        assertEquals(8, dom.currentReservation());
        v.close();
    }

    @Test
    void aFailedPageInFaultsTheGuestAndTellsTheReader() {
        ImageStore store = new ImageStore();
        store.broken = 5;
        dom.setPageStore(store);
        dom.populateRange(0, 8);
        assertEquals(0, dom.markPaged(5));
        GuestMemoryView v = dom.newView();
        assertThrows(GuestMemoryFault.class, () -> v.getLong(5L * PAGE));
        assertEquals(-XEN_EIO, dom.pageInNow(5));
        assertEquals(p2m_ram_paged, dom.typeOf(5), "nothing half-loaded");
        v.close();
        dom.destroy();
        assertEquals(-XEN_ESRCH, dom.pageInNow(5));
        assertEquals(-XEN_ESRCH, dom.markPaged(1));
    }
}
