package dev.domus.hv.boot;

import static dev.domus.abi.XenErrno.XEN_EBUSY;
import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.domus.abi.DomusMemoryOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.Xen;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code XENMEM_add_to_physmap_batch} over slots that already hold foreign pages replaces them
 * (Xen's {@code p2m_add_foreign}), which is what lets Dom0 map batch after batch without a
 * {@code remove_from_physmap} per page; a page that cannot be mapped leaves the old one, and a
 * slot holding anything but a foreign map is refused.
 */
@Timeout(60)
class ForeignMapBatchTest {

    private Host host;
    private HypercallGate gate;
    private GuestMemory mem;
    private long scratch;
    private long slot;
    private int domid;
    private long nrPages;

    @BeforeEach
    void boot() throws Exception {
        host = Host.start(HostConfig.defaults().withMemory(64L << 20).withPcpus(1).withDom0Memory(8L << 20));
        gate = host.dom0().gate();
        mem = host.dom0().memory();
        scratch = host.dom0().pages().allocate(1);
        slot = host.dom0().pages().allocateSlots(4);
        BuiltDomain d = new DomainBuilder(host.dom0()).build(
            DomainSpec.of(TestKernels.Hello.class.getName(), 1024, 1).paused(true));
        domid = d.domid();
        nrPages = d.nrPages();
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    /** Maps {@code pfns[i]} of the guest at {@code slots[i]}; returns the per-entry errors. */
    private int[] map(int space, long[] pfns, long[] slots) {
        int n = pfns.length;
        long idx = scratch + 64;
        long gpfns = idx + 8L * n;
        long errs = gpfns + 8L * n;
        mem.setMemory(scratch, 32, (byte) 0);
        mem.putShort(scratch, (short) Xen.DOMID_SELF);
        mem.putShort(scratch + 2, (short) space);
        mem.putShort(scratch + 4, (short) n);
        mem.putShort(scratch + 6, (short) domid);
        mem.putLong(scratch + 8, idx);
        mem.putLong(scratch + 16, gpfns);
        mem.putLong(scratch + 24, errs);
        for (int i = 0; i < n; i++) {
            mem.putLong(idx + 8L * i, pfns[i]);
            mem.putLong(gpfns + 8L * i, slots[i]);
            mem.putInt(errs + 4L * i, 12345);
        }
        assertEquals(0, gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap_batch, scratch));
        int[] err = new int[n];
        for (int i = 0; i < n; i++) {
            err[i] = mem.getInt(errs + 4L * i);
        }
        return err;
    }

    private long unmap(long gpfn) {
        long rm = scratch + 2048;
        mem.setMemory(rm, 16, (byte) 0);
        mem.putShort(rm, (short) Xen.DOMID_SELF);
        mem.putLong(rm + 8, gpfn);
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_remove_from_physmap, rm);
    }

    private long at(long gpfn) {
        return mem.getLong(gpfn << Xen.PAGE_SHIFT);
    }

    /** Writes a distinct mark into each of the guest's PFNs 10..13 through writable maps. */
    private void mark() {
        long[] pfns = {10, 11, 12, 13};
        long[] slots = {slot, slot + 1, slot + 2, slot + 3};
        assertEquals(0, map(MemoryOp.XENMAPSPACE_gmfn_foreign, pfns, slots)[3]);
        for (int i = 0; i < 4; i++) {
            mem.putLong(slots[i] << Xen.PAGE_SHIFT, 0xA0L + pfns[i]);
        }
    }

    @Test
    void aBatchOverMappedSlotsReplacesTheirPagesInOneCall() {
        mark();
        // The four slots still hold PFNs 10..13: map 13..10 over them, read-only, in one call.
        int[] err = map(DomusMemoryOp.XENMAPSPACE_domus_gmfn_foreign_ro, new long[] {13, 12, 11, 10},
            new long[] {slot, slot + 1, slot + 2, slot + 3});
        for (int i = 0; i < 4; i++) {
            assertEquals(0, err[i], "slot " + i);
            assertEquals(0xA0L + 13 - i, at(slot + i), "slot " + i + " shows the new page");
        }
        // Each slot holds exactly one mapping: one remove works, a second finds nothing there.
        assertEquals(0, unmap(slot));
        assertNotEquals(0, unmap(slot));
    }

    @Test
    void aPageThatCannotBeMappedLeavesTheSlotsOldPage() {
        mark();
        int[] err = map(DomusMemoryOp.XENMAPSPACE_domus_gmfn_foreign_ro, new long[] {nrPages + 100, 11},
            new long[] {slot, slot + 1});
        assertEquals(-XEN_EINVAL, err[0], "a PFN outside the guest");
        assertEquals(0xA0L + 10, at(slot), "the old page stays mapped");
        assertEquals(0, err[1]);
        assertEquals(0xA0L + 11, at(slot + 1));
    }

    @Test
    void aSlotHoldingDom0sOwnRamIsRefused() {
        mark();
        long ram = host.dom0().pages().allocate(1) >>> Xen.PAGE_SHIFT;
        mem.putLong(ram << Xen.PAGE_SHIFT, 0x5EED);
        int[] err = map(DomusMemoryOp.XENMAPSPACE_domus_gmfn_foreign_ro, new long[] {10}, new long[] {ram});
        assertEquals(-XEN_EBUSY, err[0]);
        assertEquals(0x5EED, at(ram), "Dom0's page is untouched");
    }
}
