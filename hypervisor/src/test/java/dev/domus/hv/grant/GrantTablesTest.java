package dev.domus.hv.grant;

import static dev.domus.abi.GrantTableOp.GNTCOPY_dest_gref;
import static dev.domus.abi.GrantTableOp.GNTCOPY_source_gref;
import static dev.domus.abi.GrantTableOp.GNTMAP_device_map;
import static dev.domus.abi.GrantTableOp.GNTMAP_host_map;
import static dev.domus.abi.GrantTableOp.GNTMAP_readonly;
import static dev.domus.abi.GrantTableOp.GNTST_bad_copy_arg;
import static dev.domus.abi.GrantTableOp.GNTST_bad_domain;
import static dev.domus.abi.GrantTableOp.GNTST_bad_gntref;
import static dev.domus.abi.GrantTableOp.GNTST_bad_handle;
import static dev.domus.abi.GrantTableOp.GNTST_bad_page;
import static dev.domus.abi.GrantTableOp.GNTST_bad_virt_addr;
import static dev.domus.abi.GrantTableOp.GNTST_general_error;
import static dev.domus.abi.GrantTableOp.GNTST_okay;
import static dev.domus.abi.GrantTableOp.GNTST_permission_denied;
import static dev.domus.abi.GrantTableOp.GTF_permit_access;
import static dev.domus.abi.GrantTableOp.GTF_reading;
import static dev.domus.abi.GrantTableOp.GTF_readonly;
import static dev.domus.abi.GrantTableOp.GTF_writing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.GuestMemoryFault;
import dev.domus.abi.Xen;
import dev.domus.hv.mem.DomainMemory;
import dev.domus.hv.mem.FrameAllocator;
import dev.domus.hv.mem.GuestMemoryView;
import dev.domus.hv.mem.MachineMemory;
import dev.domus.hv.p2m.P2mType;
import java.util.HashMap;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Grant tables over real domain memory: two or three domains, no dispatcher. */
class GrantTablesTest {

    private static final int PAGE = 4096;

    private final MachineMemory mem = new MachineMemory(128 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);
    private final int baseline = alloc.freeFrames();
    private final Map<Integer, DomainMemory> live = new HashMap<>();
    private final GrantTables tables = new GrantTables(live::get);
    private final DomainMemory granter = domain(1);
    private final DomainMemory mapper = domain(2);
    private final DomainMemory other = domain(3);
    private final GuestMemoryView gv = granter.newView();
    private final GuestMemoryView mv = mapper.newView();
    private final long[] frames = new long[4];
    private final int[] handle = new int[1];

    private DomainMemory domain(int domid) {
        DomainMemory d = new DomainMemory(domid, alloc, 32, 16); // PFNs 16..31: free slots
        assertEquals(16, d.populateRange(0, 16));
        live.put(domid, d);
        return d;
    }

    GrantTablesTest() {
        assertEquals(GNTST_okay, tables.setupTable(granter, 1, frames));
    }

    @AfterEach
    void close() {
        mem.close();
    }

    /** Writes grant entry {@code ref} in the granter's table, as the SDK does. */
    private void grant(int ref, int domid, long pfn, boolean readOnly) {
        long e = (frames[0] << 12) + ref * 8L;
        gv.putShort(e + 2, (short) domid);
        gv.putInt(e + 4, (int) pfn);
        gv.putIntVolatile(e, (gv.getIntVolatile(e) & 0xffff0000) | GTF_permit_access | (readOnly ? GTF_readonly : 0));
    }

    private int flags(int ref) {
        return gv.getShort((frames[0] << 12) + ref * 8L) & 0xffff;
    }

    /** The granter's revoke: CAS the flags to 0, refused while reading/writing is set. */
    private boolean revoke(int ref) {
        long e = (frames[0] << 12) + ref * 8L;
        int word = gv.getIntVolatile(e);
        if ((word & (GTF_reading | GTF_writing)) != 0) {
            return false;
        }
        return gv.compareAndSetInt(e, word, word & 0xffff0000);
    }

    @Test
    void setupPutsTheTableInHypervisorPagesAboveRam() {
        assertEquals(32, frames[0], "first PFN above the guest-physical space");
        assertEquals(P2mType.p2m_xen_shared, granter.typeOf(32));
        assertEquals(16, granter.currentReservation(), "not part of the reservation");
        assertEquals(1, tables.nrFrames(granter));
        long[] more = new long[3];
        assertEquals(GNTST_okay, tables.setupTable(granter, 3, more));
        assertEquals(32, more[0]);
        assertEquals(34, more[2]);
        assertEquals(3, tables.nrFrames(granter));
        assertEquals(GNTST_okay, tables.setupTable(granter, 2, more), "asking for fewer frames never shrinks");
        assertEquals(3, tables.nrFrames(granter));
        assertEquals(GNTST_general_error, tables.setupTable(granter, GrantTables.MAX_GRANT_FRAMES + 1,
                new long[GrantTables.MAX_GRANT_FRAMES + 1]));
        assertEquals(GNTST_general_error, tables.setupTable(granter, -1, more));
        assertEquals(-dev.domus.abi.XenErrno.XEN_EINVAL, granter.release(32), "table frames cannot be ballooned");
    }

    @Test
    void mapReadWriteSharesThePageAndBlocksRevocationUntilUnmapped() {
        gv.putLong(5L * PAGE + 8, 0x1234);
        grant(8, 2, 5, false);
        assertEquals(GNTST_okay, tables.map(mapper, 1, 8, 20L * PAGE, GNTMAP_host_map, handle));
        assertEquals(GTF_permit_access | GTF_reading | GTF_writing, flags(8));
        assertEquals(0x1234, mv.getLong(20L * PAGE + 8));
        mv.putLong(20L * PAGE + 16, 99);
        assertEquals(99, gv.getLong(5L * PAGE + 16));
        assertFalse(revoke(8), "revoking a grant in use is refused");
        assertEquals(1, tables.mappedCount(mapper));

        assertEquals(GNTST_okay, tables.unmap(mapper, 20L * PAGE, handle[0]));
        assertEquals(GTF_permit_access, flags(8));
        assertThrows(GuestMemoryFault.class, () -> mv.getLong(20L * PAGE));
        assertEquals(GNTST_bad_handle, tables.unmap(mapper, 0, handle[0]), "unmap twice");
        assertTrue(revoke(8));
        assertEquals(GNTST_permission_denied, tables.map(mapper, 1, 8, 20L * PAGE, GNTMAP_host_map, handle),
                "a revoked grant maps nothing");
    }

    @Test
    void readOnlyGrantsStayReadOnly() {
        gv.putInt(6L * PAGE, 7);
        grant(9, 2, 6, true);
        assertEquals(GNTST_permission_denied, tables.map(mapper, 1, 9, 21L * PAGE, GNTMAP_host_map, handle));
        assertEquals(GTF_permit_access | GTF_readonly, flags(9), "a refused map leaves no flag behind");
        assertEquals(GNTST_okay, tables.map(mapper, 1, 9, 21L * PAGE, GNTMAP_host_map | GNTMAP_readonly, handle));
        assertEquals(GTF_permit_access | GTF_readonly | GTF_reading, flags(9));
        assertEquals(7, mv.getInt(21L * PAGE));
        assertThrows(GuestMemoryFault.class, () -> mv.putInt(21L * PAGE, 8));
        UnsafeBuffer bounce = new UnsafeBuffer(new byte[PAGE]);
        assertEquals(GNTST_permission_denied, tables.copy(mapper, 0, Xen.DOMID_SELF, 0, 9, 1, 0, 4,
                GNTCOPY_dest_gref, bounce), "copy into a read-only grant");
        assertEquals(7, gv.getInt(6L * PAGE));
        assertEquals(GNTST_okay, tables.unmap(mapper, 0, handle[0]));
        assertEquals(GTF_permit_access | GTF_readonly, flags(9));
    }

    @Test
    void copyMovesBytesBothWaysThroughGrantsOnly() {
        UnsafeBuffer bounce = new UnsafeBuffer(new byte[PAGE]);
        gv.putLong(7L * PAGE + 100, 0xFEED);
        grant(10, 2, 7, false);
        // From the granter's page into the mapper's own pfn 3.
        assertEquals(GNTST_okay, tables.copy(mapper, 10, 1, 100, 3, Xen.DOMID_SELF, 8, 8, GNTCOPY_source_gref, bounce));
        assertEquals(0xFEED, mv.getLong(3L * PAGE + 8));
        // And back into the granter's page.
        mv.putLong(3L * PAGE + 16, 0xBEEF);
        assertEquals(GNTST_okay, tables.copy(mapper, 3, 2, 16, 10, 1, 200, 8, GNTCOPY_dest_gref, bounce));
        assertEquals(0xBEEF, gv.getLong(7L * PAGE + 200));
        assertEquals(GTF_permit_access, flags(10), "a copy pins only while it runs");
        assertTrue(revoke(10));

        // Hostile copies change nothing.
        assertEquals(GNTST_permission_denied, tables.copy(mapper, 10, 1, 0, 3, 2, 0, 8, GNTCOPY_source_gref, bounce),
                "revoked");
        assertEquals(GNTST_permission_denied, tables.copy(mapper, 5, 1, 0, 3, 2, 0, 8, 0, bounce),
                "a plain frame of another domain without a grant");
        assertEquals(GNTST_bad_copy_arg, tables.copy(mapper, 10, 1, 4000, 3, 2, 0, 200, GNTCOPY_source_gref, bounce));
        assertEquals(GNTST_bad_copy_arg, tables.copy(mapper, 10, 1, 0, 3, 2, 0, PAGE + 1, GNTCOPY_source_gref, bounce));
        assertEquals(GNTST_bad_copy_arg, tables.copy(mapper, 10, 1, 0, 3, 2, 0, 8, 0x40, bounce));
        assertEquals(GNTST_bad_gntref, tables.copy(mapper, 1 << 20, 1, 0, 3, 2, 0, 8, GNTCOPY_source_gref, bounce));
        assertEquals(GNTST_bad_domain, tables.copy(mapper, 10, 77, 0, 3, 2, 0, 8, GNTCOPY_source_gref, bounce));
        grant(11, 2, 7, false);
        assertEquals(GNTST_bad_page, tables.copy(mapper, 11, 1, 0, 999, 2, 0, 8, GNTCOPY_source_gref, bounce),
                "destination pfn outside the caller");
        assertEquals(GTF_permit_access, flags(11), "a failed copy unpins");
        grant(12, 2, 999, false);
        assertEquals(GNTST_bad_page, tables.copy(mapper, 12, 1, 0, 3, 2, 0, 8, GNTCOPY_source_gref, bounce),
                "grant of a frame the granter does not have");
    }

    @Test
    void aGrantIsForItsGranteeOnly() {
        grant(8, 3, 5, false); // granted to domain 3, not 2
        assertEquals(GNTST_permission_denied, tables.map(mapper, 1, 8, 20L * PAGE, GNTMAP_host_map, handle));
        UnsafeBuffer bounce = new UnsafeBuffer(new byte[PAGE]);
        assertEquals(GNTST_permission_denied, tables.copy(mapper, 8, 1, 0, 3, 2, 0, 8, GNTCOPY_source_gref, bounce));
        assertEquals(GNTST_okay, tables.map(other, 1, 8, 20L * PAGE, GNTMAP_host_map, handle));
    }

    @Test
    void hostileMapRequestsAreRefused() {
        grant(8, 2, 5, false);
        assertEquals(GNTST_bad_gntref, tables.map(mapper, 1, 512, 20L * PAGE, GNTMAP_host_map, handle), "past the table");
        assertEquals(GNTST_bad_gntref, tables.map(mapper, 1, -1, 20L * PAGE, GNTMAP_host_map, handle));
        assertEquals(GNTST_bad_domain, tables.map(mapper, 9, 8, 20L * PAGE, GNTMAP_host_map, handle), "no domain 9");
        assertEquals(GNTST_bad_domain, tables.map(mapper, 0x7FF2, 8, 20L * PAGE, GNTMAP_host_map, handle));
        assertEquals(GNTST_permission_denied, tables.map(mapper, Xen.DOMID_SELF, 8, 20L * PAGE, GNTMAP_host_map, handle));
        assertEquals(GNTST_bad_virt_addr, tables.map(mapper, 1, 8, 20L * PAGE + 4, GNTMAP_host_map, handle));
        assertEquals(GNTST_bad_virt_addr, tables.map(mapper, 1, 8, 32L * PAGE, GNTMAP_host_map, handle));
        assertEquals(GNTST_bad_virt_addr, tables.map(mapper, 1, 8, -PAGE, GNTMAP_host_map, handle));
        assertEquals(GNTST_bad_virt_addr, tables.map(mapper, 1, 8, 3L * PAGE, GNTMAP_host_map, handle),
                "the mapper's own RAM is not a free slot");
        assertEquals(GNTST_bad_gntref, tables.map(mapper, 1, 8, 20L * PAGE, 0, handle));
        assertEquals(GNTST_general_error, tables.map(mapper, 1, 8, 20L * PAGE, GNTMAP_host_map | GNTMAP_device_map, handle));
        assertEquals(GTF_permit_access, flags(8), "no refused map left a pin");
        assertEquals(GNTST_bad_handle, tables.unmap(mapper, 0, 0));
        assertEquals(GNTST_bad_handle, tables.unmap(mapper, 0, -5));
        // Granting a table frame or a frame that is not the granter's RAM maps nothing.
        grant(13, 2, frames[0], false);
        assertEquals(GNTST_bad_page, tables.map(mapper, 1, 13, 20L * PAGE, GNTMAP_host_map, handle));
        grant(14, 2, 15, false);
        granter.release(15);
        assertEquals(GNTST_bad_page, tables.map(mapper, 1, 14, 20L * PAGE, GNTMAP_host_map, handle));
        assertEquals(GTF_permit_access, flags(14));
    }

    @Test
    void aPinnedEntryKeepsItsFrameWhateverTheGranterWritesLater() {
        gv.putInt(5L * PAGE, 55);
        gv.putInt(6L * PAGE, 66);
        grant(8, 2, 5, true);
        assertEquals(GNTST_okay, tables.map(mapper, 1, 8, 20L * PAGE, GNTMAP_host_map | GNTMAP_readonly, handle));
        int first = handle[0];
        gv.putInt((frames[0] << 12) + 8 * 8 + 4, 6); // the granter retargets the entry while pinned
        assertEquals(GNTST_okay, tables.map(mapper, 1, 8, 21L * PAGE, GNTMAP_host_map | GNTMAP_readonly, handle));
        assertEquals(55, mv.getInt(21L * PAGE), "the second map uses the pinned frame");
        assertEquals(GNTST_okay, tables.unmap(mapper, 0, first));
        assertEquals(GTF_permit_access | GTF_readonly | GTF_reading, flags(8), "still mapped once");
        assertEquals(GNTST_okay, tables.unmap(mapper, 0, handle[0]));
        assertEquals(GTF_permit_access | GTF_readonly, flags(8));
    }

    @Test
    void grantorDestroyedWhileMappedLeavesTheMapperSafe() {
        gv.putLong(5L * PAGE, 0xABC);
        grant(8, 2, 5, false);
        assertEquals(GNTST_okay, tables.map(mapper, 1, 8, 20L * PAGE, GNTMAP_host_map, handle));
        gv.offline();
        live.remove(1);
        tables.domainDestroyed(granter);
        granter.destroy();
        assertEquals(0xABC, mv.getLong(20L * PAGE), "the frame stays while mapped");
        mv.putLong(20L * PAGE, 1);
        assertEquals(1, alloc.framesOwnedBy(1));
        assertEquals(GNTST_bad_domain, tables.map(mapper, 1, 8, 21L * PAGE, GNTMAP_host_map, handle));
        assertEquals(GNTST_okay, tables.unmap(mapper, 0, handle[0]));
        mv.offline();
        assertEquals(0, alloc.framesOwnedBy(1));
        tables.domainDestroyed(mapper);
        mapper.destroy();
        other.destroy();
        assertEquals(baseline, alloc.freeFrames(), "every frame back after all three are gone");
    }

    @Test
    void mapperDestroyedReleasesItsPins() {
        grant(8, 2, 5, false);
        grant(9, 2, 6, true);
        assertEquals(GNTST_okay, tables.map(mapper, 1, 8, 20L * PAGE, GNTMAP_host_map, handle));
        assertEquals(GNTST_okay, tables.map(mapper, 1, 9, 21L * PAGE, GNTMAP_host_map | GNTMAP_readonly, handle));
        mv.offline();
        tables.domainDestroyed(mapper);
        mapper.destroy();
        assertEquals(GTF_permit_access, flags(8));
        assertEquals(GTF_permit_access | GTF_readonly, flags(9));
        assertTrue(revoke(8));
        assertTrue(revoke(9));
        gv.offline();
        granter.destroy();
        other.destroy();
        assertEquals(baseline, alloc.freeFrames());
    }
}
