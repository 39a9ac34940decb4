package dev.domus.hv.mem;

import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.hv.p2m.P2mType.p2m_grant_map_rw;
import static dev.domus.hv.p2m.P2mType.p2m_map_foreign_ro;
import static dev.domus.hv.p2m.P2mType.p2m_ram_logdirty;
import static dev.domus.hv.p2m.P2mType.p2m_ram_rw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogDirtyTest {

    private static final int PAGE = 4096;

    private final MachineMemory mem = new MachineMemory(256 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);
    private final DomainMemory dom = new DomainMemory(1, alloc, 130, 130);

    LogDirtyTest() {
        dom.populateRange(0, 130);
    }

    @AfterEach
    void close() {
        mem.close();
    }

    private static boolean bit(long[] bitmap, long pfn) {
        return (bitmap[(int) (pfn >>> 6)] & (1L << (pfn & 63))) != 0;
    }

    @Test
    void writesMarkPagesDirtyAndCleanResetsTheBitmap() {
        GuestMemoryView v = dom.newView();
        v.putInt(0, 1); // writable before log-dirty starts
        v.offline(); // paused while log-dirty is switched on: nothing stale
        assertEquals(0, dom.logDirtyEnable());
        assertEquals(-XEN_EINVAL, dom.logDirtyEnable());
        assertEquals(p2m_ram_logdirty, dom.typeOf(0));
        long[] bitmap = new long[dom.logDirtyBitmapWords()];
        assertEquals(3, bitmap.length);
        assertEquals(0, dom.logDirtyClean(bitmap));

        v.putInt(5L * PAGE, 7);
        assertThrows(dev.domus.abi.GuestMemoryFault.class, () -> v.putLong(129L * PAGE + 4090, -1L),
                "straddles past the last page");
        v.putLong(129L * PAGE + 4088, -1L);
        v.getInt(6L * PAGE); // reads do not dirty
        v.putByte(64L * PAGE, (byte) 1);
        assertEquals(p2m_ram_rw, dom.typeOf(5));
        assertEquals(p2m_ram_logdirty, dom.typeOf(6));
        assertEquals(3, dom.logDirtyPeek(bitmap));
        assertEquals(3, dom.logDirtyPeek(null), "peek clears nothing");
        v.offline();
        assertEquals(3, dom.logDirtyClean(bitmap));
        assertTrue(bit(bitmap, 5) && bit(bitmap, 64) && bit(bitmap, 129));
        assertTrue(!bit(bitmap, 6) && !bit(bitmap, 0));
        assertEquals(p2m_ram_logdirty, dom.typeOf(5), "clean write-protects again");
        assertEquals(0, dom.p2m().count(p2m_ram_rw), "every page written since the last CLEAN, and no other");
        assertEquals(0, dom.logDirtyClean(bitmap), "view was offline: nothing carried");

        v.putInt(5L * PAGE + 8, 8); // write-protected again: marks again
        v.offline();
        assertEquals(1, dom.logDirtyClean(bitmap));
        assertTrue(bit(bitmap, 5));
    }

    @Test
    void pagesRevokedWhileAVcpuRunsAreReportedAgainUntilItQuiesces() {
        GuestMemoryView v = dom.newView();
        v.putInt(3L * PAGE, 1); // a writable translation cached before log-dirty starts
        assertEquals(0, dom.logDirtyEnable());
        long[] bitmap = new long[dom.logDirtyBitmapWords()];
        // The view is online and not quiesced: it may still write page 3 through its cached
        // translation, so the first round reports it...
        assertEquals(1, dom.logDirtyClean(bitmap));
        assertTrue(bit(bitmap, 3));
        v.quiesce();
        v.putInt(9L * PAGE, 1);
        // ...and so does the round after, because a stale write may have landed after the
        // first round's copy; the vCPU has quiesced since, so this is the last time.
        assertEquals(2, dom.logDirtyClean(bitmap));
        assertTrue(bit(bitmap, 3) && bit(bitmap, 9));
        // v has not quiesced since page 9 was write-protected: it is reported again.
        assertEquals(1, dom.logDirtyClean(bitmap));
        assertTrue(bit(bitmap, 9));
        v.quiesce();
        assertEquals(1, dom.logDirtyClean(bitmap), "reported once more, in the round after the vCPU quiesced");
        assertEquals(0, dom.logDirtyClean(bitmap));
        v.getInt(9L * PAGE);
        assertEquals(0, dom.logDirtyClean(bitmap), "reads never dirty");
    }

    /**
     * Issue 9: a vCPU still running, not yet past a quiescent point, when log-dirty went on (as
     * in a live migration: ENABLE, then the sender's first CLEAN right after) made the CLEAN
     * after the first full copy report every page, so round 2 resent the whole guest. Only
     * the pages the vCPU still caches a writable translation for can take a stale write.
     */
    @Test
    void aRunningVcpuAtEnableDoesNotMakeTheSecondRoundResendTheWholeGuest() {
        GuestMemoryView v = dom.newView();
        for (long pfn = 0; pfn < 130; pfn++) {
            v.putInt(pfn * PAGE, (int) pfn); // the guest wrote all its memory before the migration
        }
        assertEquals(0, dom.logDirtyEnable());
        long[] bitmap = new long[dom.logDirtyBitmapWords()];
        assertTrue(dom.logDirtyClean(null) >= 0, "the sender's first CLEAN: v has not quiesced yet");
        // Round 1 copies every page; meanwhile the vCPU passes a quiescent point and writes.
        v.quiesce();
        v.putInt(7L * PAGE, -1);
        long reported = dom.logDirtyClean(bitmap);
        assertTrue(bit(bitmap, 7), "the page written during round 1");
        assertTrue(bit(bitmap, 129), "the last page written before enable: v may have written it late");
        assertTrue(reported <= GuestMemoryView.CACHE_SIZE + 1,
                reported + " of 130 pages reported: only the pages v cached writable may be carried");
        v.quiesce();
        assertEquals(1, dom.logDirtyClean(bitmap), "page 7, once more: v had it writable at the last CLEAN");
        assertTrue(bit(bitmap, 7));
        assertEquals(0, dom.logDirtyClean(bitmap));
    }

    @Test
    void hypervisorWritesPopulateAndReleaseAreTracked() {
        assertEquals(0, dom.logDirtyEnable());
        long[] bitmap = new long[dom.logDirtyBitmapWords()];
        dom.logDirtyClean(bitmap);
        assertEquals(0, dom.copyToGuest(70L * PAGE + 4094, new UnsafeBuffer(new byte[4]), 0, 4));
        assertEquals(0, dom.release(100));
        assertEquals(0, dom.populate(100));
        assertEquals(3, dom.logDirtyClean(bitmap));
        assertTrue(bit(bitmap, 70) && bit(bitmap, 71) && bit(bitmap, 100));
        assertEquals(0, dom.p2m().count(p2m_ram_rw), "the hypervisor's writes are write-protected again too");
    }

    @Test
    void writableForeignMappingsKeepThePageDirtyUntilTheMapperLetsGo() {
        DomainMemory peer = new DomainMemory(2, alloc, 4, 4);
        assertEquals(0, dom.logDirtyEnable());
        long[] bitmap = new long[dom.logDirtyBitmapWords()];
        dom.logDirtyClean(bitmap);
        assertEquals(0, peer.mapForeign(1, dom, 40, p2m_grant_map_rw));
        GuestMemoryView pv = peer.newView();
        pv.putInt(PAGE, 3);
        assertEquals(1, dom.logDirtyClean(bitmap));
        assertTrue(bit(bitmap, 40));
        assertEquals(1, dom.logDirtyClean(bitmap), "still mapped writable: dirty every round");
        assertEquals(0, peer.unmapForeign(1));
        // The peer's vCPU may still write through its stale translation until it quiesces.
        assertEquals(1, dom.logDirtyClean(bitmap));
        pv.quiesce();
        assertEquals(1, dom.logDirtyClean(bitmap), "marked when the last reference went");
        assertEquals(0, dom.logDirtyClean(bitmap));
    }

    @Test
    void readOnlyForeignMappingsLeaveThePageCleanAndCannotWrite() {
        DomainMemory peer = new DomainMemory(2, alloc, 4, 4);
        assertEquals(0, dom.logDirtyEnable());
        long[] bitmap = new long[dom.logDirtyBitmapWords()];
        dom.logDirtyClean(bitmap);
        GuestMemoryView v = dom.newView();
        v.putInt(41L * PAGE, 0x1234); // the guest's own write
        v.offline();
        assertEquals(0, peer.mapForeign(1, dom, 40, p2m_map_foreign_ro));
        assertEquals(0, peer.mapForeign(2, dom, 41, p2m_map_foreign_ro));
        GuestMemoryView pv = peer.newView();
        assertEquals(0x1234, pv.getInt(2L * PAGE), "reads the owner's frame");
        assertThrows(dev.domus.abi.GuestMemoryFault.class, () -> pv.putInt(PAGE, 3));
        assertEquals(p2m_ram_logdirty, dom.typeOf(40), "mapping read-only leaves the page write-protected");
        assertEquals(0, peer.unmapForeign(1));
        assertEquals(0, peer.unmapForeign(2));
        pv.quiesce();
        dom.logDirtyClean(bitmap);
        assertTrue(!bit(bitmap, 40), "never dirtied by the read-only mapper");
        assertTrue(bit(bitmap, 41), "the guest's write is still reported");
        assertEquals(0, dom.logDirtyClean(bitmap), "and nothing is marked when the mapping goes");
    }

    @Test
    void disableRestoresWritableMappingsAndCleanIsRefused() {
        assertEquals(-XEN_EINVAL, dom.logDirtyClean(null));
        assertEquals(0, dom.logDirtyEnable());
        assertEquals(-XEN_EINVAL, dom.logDirtyClean(new long[1]), "bitmap too small");
        assertEquals(0, dom.logDirtyDisable());
        assertEquals(p2m_ram_rw, dom.typeOf(3));
        assertEquals(-XEN_EINVAL, dom.logDirtyPeek(null));
    }

    @Test
    void raisingTheMaximumWhileTrackingGrowsTheBitmap() {
        assertEquals(0, dom.logDirtyEnable());
        assertEquals(0, dom.setMaxPages(200));
        assertEquals(0, dom.populate(199));
        long[] bitmap = new long[dom.logDirtyBitmapWords()];
        assertEquals(4, bitmap.length);
        dom.logDirtyClean(bitmap);
        assertTrue(bit(bitmap, 199));
    }
}
