package dev.domus.hv.boot;

import dev.domus.abi.Xen;
import java.util.BitSet;

/**
 * Dom0's own bookkeeping of its guest-physical space (no hypercall involved: it is Dom0's
 * memory). Two pools: RAM pages (populated at boot; for hypercall argument structs, rings and
 * buffers) and foreign slots (unpopulated PFNs above RAM, where Dom0 maps other domains'
 * frames with {@code XENMEM_add_to_physmap_batch}). Thread-safe; first fit.
 */
public final class Dom0Pages {

    private final long firstRamPfn;
    private final long ramPages;
    private final long firstSlotPfn;
    private final long slots;
    private final BitSet ramUsed;
    private final BitSet slotUsed;

    Dom0Pages(long firstRamPfn, long ramPages, long firstSlotPfn, long slots) {
        this.firstRamPfn = firstRamPfn;
        this.ramPages = ramPages;
        this.firstSlotPfn = firstSlotPfn;
        this.slots = slots;
        this.ramUsed = new BitSet((int) ramPages);
        this.slotUsed = new BitSet((int) slots);
    }

    /**
     * Allocates {@code pages} contiguous RAM pages (zeroed only when Dom0 first got them).
     *
     * @return guest-physical address of the first page
     * @throws IllegalStateException when Dom0 has no such run of free pages left
     */
    public synchronized long allocate(int pages) {
        int i = find(ramUsed, ramPages, pages);
        if (i < 0) {
            throw new IllegalStateException("Dom0 is out of memory: no " + pages + " free contiguous pages of "
                + ramPages + "; give Dom0 more memory (HostConfig.withDom0Memory)");
        }
        ramUsed.set(i, i + pages);
        return (firstRamPfn + i) << Xen.PAGE_SHIFT;
    }

    public synchronized void free(long address, int pages) {
        long i = (address >>> Xen.PAGE_SHIFT) - firstRamPfn;
        if (i < 0 || i + pages > ramPages) {
            throw new IllegalArgumentException("not Dom0 RAM pages: 0x" + Long.toHexString(address) + " x " + pages);
        }
        ramUsed.clear((int) i, (int) i + pages);
    }

    /** Reserves {@code n} contiguous unpopulated PFNs to map foreign frames at; returns the first PFN. */
    public synchronized long allocateSlots(int n) {
        int i = find(slotUsed, slots, n);
        if (i < 0) {
            throw new IllegalStateException("Dom0 has no " + n + " free foreign-mapping slots of " + slots);
        }
        slotUsed.set(i, i + n);
        return firstSlotPfn + i;
    }

    public synchronized void freeSlots(long firstPfn, int n) {
        long i = firstPfn - firstSlotPfn;
        if (i < 0 || i + n > slots) {
            throw new IllegalArgumentException("not Dom0 foreign slots: pfn " + firstPfn + " x " + n);
        }
        slotUsed.clear((int) i, (int) i + n);
    }

    public long ramPages() {
        return ramPages;
    }

    public long slotCount() {
        return slots;
    }

    public synchronized long freeRamPages() {
        return ramPages - ramUsed.cardinality();
    }

    private static int find(BitSet used, long size, int n) {
        if (n <= 0 || n > size) {
            return -1;
        }
        int start = 0;
        while (start + n <= size) {
            int busy = used.nextSetBit(start);
            if (busy < 0 || busy >= start + n) {
                return start;
            }
            start = busy + 1;
        }
        return -1;
    }
}
