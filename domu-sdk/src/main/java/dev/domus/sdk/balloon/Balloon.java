package dev.domus.sdk.balloon;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.Domu;
import dev.domus.sdk.XenException;
import dev.domus.sdk.hypercall.Hypervisor;
import dev.domus.sdk.mem.GuestPages;

/**
 * The balloon driver: follows the toolstack's target in xenstore {@code memory/target} (KiB)
 * by giving pages back to the hypervisor ({@code XENMEM_decrease_reservation}) or taking them
 * again ({@code XENMEM_populate_physmap}).
 *
 * <p>Pages to give back come from the guest's page allocator, so a ballooned page is never
 * one the kernel uses; their pfns are kept on a stack in guest memory (it survives save and
 * restore). The driver never goes below {@link #floorPages()} free pages for the kernel;
 * a target it cannot reach is met as far as possible and the rest reported by
 * {@link #adjust()}'s return value. {@link Domu} calls {@link #adjust()} at clean points
 * when the target changes.
 */
public final class Balloon {

    private final Domu domu;
    private final Hypervisor hv;
    private final GuestMemory memory;
    private final GuestPages pages;
    private final long stack;
    private final long capacity;
    private final long[] batch = new long[Hypervisor.MAX_PFNS_PER_CALL];
    private long floorPages = 64;

    public Balloon(Domu domu) {
        this.domu = domu;
        this.hv = domu.hypervisor();
        this.memory = domu.memory();
        this.pages = domu.pages();
        this.capacity = domu.nrPages();
        int stackPages = (int) ((8 + 4 * capacity + Xen.PAGE_SIZE - 1) / Xen.PAGE_SIZE);
        boolean fresh = pages.root("sdk.balloon.list") == 0;
        this.stack = domu.pagesFor("sdk.balloon.list", stackPages) << Xen.PAGE_SHIFT;
        if (fresh) {
            memory.putLong(stack, 0);
        }
    }

    /** Pages currently given back to the hypervisor. */
    public long balloonedPages() {
        return memory.getLong(stack);
    }

    /** Pages the domain holds now, by its own count ({@code nr_pages} minus ballooned). */
    public long currentPages() {
        return domu.nrPages() - balloonedPages();
    }

    /** Free pages the driver always leaves to the kernel. */
    public long floorPages() {
        return floorPages;
    }

    public void floorPages(long pages) {
        this.floorPages = pages;
    }

    /** The target from xenstore in pages, or -1 when none is set. */
    public long targetPages() {
        String kib = domu.xenstore().readOr("memory/target", "");
        if (kib.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(kib.trim()) * 1024 / Xen.PAGE_SIZE;
        } catch (NumberFormatException e) {
            throw new XenException(XenErrno.XEN_EINVAL, "balloon", "memory/target '" + kib + "' is not a number of KiB");
        }
    }

    /**
     * Moves toward the xenstore target. Returns the pages still missing from it (0 when met;
     * positive when the guest could not give back that many without going below its floor).
     */
    public long adjust() {
        long target = targetPages();
        if (target < 0) {
            return 0;
        }
        long current = currentPages();
        if (target < current) {
            return (current - target) - inflate(current - target);
        }
        if (target > current) {
            return (target - current) - deflate(target - current);
        }
        return 0;
    }

    /** Gives up to {@code count} pages back; returns how many went. */
    public long inflate(long count) {
        long done = 0;
        while (done < count && pages.freePages() > floorPages) {
            int n = (int) Math.min(Math.min(batch.length, count - done), pages.freePages() - floorPages);
            for (int i = 0; i < n; i++) {
                batch[i] = pages.allocate();
            }
            int released = hv.decreaseReservation(batch, 0, n);
            long top = balloonedPages();
            for (int i = 0; i < released; i++) {
                memory.putInt(stack + 8 + 4 * (top + i), (int) batch[i]);
            }
            memory.putLong(stack, top + released);
            for (int i = released; i < n; i++) {
                pages.free(batch[i]); // the hypervisor kept these: they stay ours
            }
            done += released;
            if (released < n) {
                break;
            }
        }
        return done;
    }

    /** Takes up to {@code count} ballooned pages back; returns how many came. */
    public long deflate(long count) {
        long done = 0;
        while (done < count && balloonedPages() > 0) {
            long top = balloonedPages();
            int n = (int) Math.min(Math.min(batch.length, count - done), top);
            for (int i = 0; i < n; i++) {
                batch[i] = memory.getInt(stack + 8 + 4 * (top - 1 - i)) & 0xffffffffL;
            }
            int populated = hv.populatePhysmap(batch, 0, n);
            for (int i = 0; i < populated; i++) {
                pages.free(batch[i]);
            }
            memory.putLong(stack, top - populated);
            done += populated;
            if (populated < n) {
                break; // the hypervisor has no more for us (maxmem or host memory)
            }
        }
        return done;
    }
}
