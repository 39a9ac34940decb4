package dev.domus.hv.mem;

import static dev.domus.abi.XenErrno.XEN_EAGAIN;
import static dev.domus.abi.XenErrno.XEN_EBUSY;
import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.hv.p2m.P2mType.p2m_ram_paged;
import static dev.domus.hv.p2m.P2mType.p2m_ram_paging_out;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pager's hypervisor side: accessed bits, batch nominate/evict, the low-memory signal. */
class AccessedBitsTest {

    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private final MachineMemory mem = new MachineMemory(512 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);
    private final DomainMemory dom = new DomainMemory(1, alloc, 200, 200);
    private FilePageStore store;

    @AfterEach
    void close() throws IOException {
        if (store != null) {
            store.close();
        }
        mem.close();
    }

    private long[] accessed() {
        long[] bits = new long[4];
        assertTrue(dom.readAndClearAccessed(0, bits, 4) >= 0);
        return bits;
    }

    private static boolean bit(long[] bits, long pfn) {
        return (bits[(int) (pfn >>> 6)] & (1L << (pfn & 63))) != 0;
    }

    @Test
    void touchedPagesReportAccessedUntouchedNotAndClearResets() {
        dom.populateRange(0, 200);
        GuestMemoryView v = dom.newView();
        v.getLong(3L * PAGE);
        v.putInt(70L * PAGE + 8, 42);
        v.getByte(199L * PAGE + 5);

        long[] bits = new long[4];
        assertEquals(3, dom.readAndClearAccessed(0, bits, 4));
        for (long pfn = 0; pfn < 200; pfn++) {
            assertEquals(pfn == 3 || pfn == 70 || pfn == 199, bit(bits, pfn), "pfn " + pfn);
        }
        assertArrayEquals(new long[4], accessed(), "cleared: nothing touched since");

        // The clear dropped the view's cached translations: touching the same page again (a
        // cache hit before the clear) makes a translation again, and so sets the bit again.
        v.getLong(3L * PAGE);
        v.getLong(3L * PAGE + 8);
        bits = accessed();
        assertTrue(bit(bits, 3));
        assertEquals(1, Long.bitCount(bits[0]) + Long.bitCount(bits[1]) + Long.bitCount(bits[2]) + Long.bitCount(bits[3]));

        // A window past the address space reads as nothing; a misaligned one is refused.
        assertEquals(0, dom.readAndClearAccessed(256, new long[2], 2));
        assertEquals(-XEN_EINVAL, dom.readAndClearAccessed(10, new long[4], 4));
        assertEquals(-XEN_EINVAL, dom.readAndClearAccessed(0, new long[1], 4));
    }

    @Test
    void aCachedTranslationDoesNotSetTheBitUntilTheNextClear() {
        dom.populateRange(0, 8);
        GuestMemoryView v = dom.newView();
        v.getLong(5L * PAGE);
        long gen = dom.p2m().generation();
        assertEquals(1, dom.readAndClearAccessed(0, new long[1], 1));
        assertTrue(dom.p2m().generation() > gen, "clearing a set bit revokes cached translations");
        gen = dom.p2m().generation();
        assertEquals(0, dom.readAndClearAccessed(0, new long[1], 1));
        assertEquals(gen, dom.p2m().generation(), "nothing to clear: the vCPUs keep their caches");
    }

    @Test
    void aBatchIsNominatedAndEvictedUnderOneGenerationBump() throws IOException {
        store = new FilePageStore(dir.resolve("pages.bin"));
        dom.setPageStore(store);
        dom.populateRange(0, 16);
        GuestMemoryView v = dom.newView();
        GuestMemoryView w = dom.newView(); // another vCPU, online and busy elsewhere
        for (int p = 0; p < 16; p++) {
            v.putLong((long) p * PAGE, 1000 + p);
        }
        w.getLong(15L * PAGE);
        int free = alloc.freeFrames();
        long[] pfns = {1, 2, 3, 4, 5, 199};
        long[] rc = new long[pfns.length];
        long gen = dom.p2m().generation();
        assertEquals(5, dom.nominatePageOutBatch(pfns, pfns.length, rc));
        assertEquals(gen + 1, dom.p2m().generation(), "one bump for the batch");
        assertArrayEquals(new long[] {0, 0, 0, 0, 0, -XEN_EINVAL}, rc, "pfn 199 holds no RAM");
        assertEquals(p2m_ram_paging_out, dom.typeOf(3));

        v.putLong(2L * PAGE, 7); // written after the nomination: cancelled (and v passed a quiescent point)
        assertEquals(0, dom.evictPageBatch(pfns, 5, rc), "the other vCPU has not quiesced yet");
        assertArrayEquals(new long[] {-XEN_EAGAIN, -XEN_EBUSY, -XEN_EAGAIN, -XEN_EAGAIN, -XEN_EAGAIN}, java.util.Arrays.copyOf(rc, 5));
        w.getLong(15L * PAGE + 8); // its next access after the change is a quiescent point
        gen = dom.p2m().generation();
        assertEquals(4, dom.evictPageBatch(pfns, 5, rc));
        assertEquals(gen + 1, dom.p2m().generation(), "one bump for the batch");
        assertArrayEquals(new long[] {0, -XEN_EBUSY, 0, 0, 0}, java.util.Arrays.copyOf(rc, 5));
        assertEquals(p2m_ram_paged, dom.typeOf(4));
        assertEquals(4, store.pages());
        v.quiesce();
        w.quiesce();
        assertEquals(free + 4, alloc.freeFrames());
        for (int p = 0; p < 16; p++) {
            assertEquals(p == 2 ? 7 : 1000 + p, v.getLong((long) p * PAGE), "pfn " + p + " came back intact");
        }
    }

    @Test
    void theLowMemorySignalFiresOncePerFallAndOnEveryFailedAllocation() {
        FrameAllocator small = new FrameAllocator(mem);
        AtomicInteger signals = new AtomicInteger();
        int total = small.freeFrames();
        small.onLowMemory(total - 10, signals::incrementAndGet);
        long[] mfns = new long[total];
        for (int i = 0; i < 9; i++) {
            mfns[i] = small.alloc(1, i);
        }
        assertEquals(0, signals.get(), "still at or above the threshold");
        mfns[9] = small.alloc(1, 9);
        mfns[10] = small.alloc(1, 10);
        mfns[11] = small.alloc(1, 11);
        assertEquals(1, signals.get(), "one signal for one fall");
        small.put(mfns[11]);
        small.put(mfns[10]);
        assertEquals(1, signals.get());
        mfns[10] = small.alloc(1, 10);
        mfns[11] = small.alloc(1, 11);
        assertEquals(2, signals.get(), "back at the threshold re-arms it");
        for (int i = 12; i < total; i++) {
            mfns[i] = small.alloc(1, i);
        }
        assertEquals(FrameAllocator.NO_FRAME, small.alloc(1, 0));
        assertEquals(FrameAllocator.NO_FRAME, small.alloc(1, 0));
        assertEquals(4, signals.get(), "an allocation that finds nothing always signals");
    }
}
