package dev.domus.dom0.save;

import dev.domus.abi.Xen;

/**
 * Writes pages into a freshly built, paused domain through Dom0's foreign mappings, a mapping
 * batch at a time: a restore's pages and a migration target's. Special frames (start_info,
 * shared_info, the xenstore and console rings) are skipped: the new build made them with this
 * host's event channels. Zero pages are zeroed; absent (ballooned) PFNs are given back with
 * {@code XENMEM_decrease_reservation}, a batch per call. A migration stream may name a page again in a later
 * round ({@code repeats}): then a page absent before is populated again, and a second absent
 * is not an error. Not thread-safe; {@link #flush()} after the last page.
 */
public final class PageLoader implements PageSink {

    private static final int PAGE = Xen.PAGE_SIZE;
    private final GuestPageIo io;
    private final int domid;
    private final SavedDomainInfo info;
    private final boolean repeats;
    private final long[] pfns = new long[GuestPageIo.BATCH];
    private final long[] types = new long[GuestPageIo.BATCH];
    private final byte[] data = new byte[GuestPageIo.BATCH * PAGE];
    private final int[] err = new int[GuestPageIo.BATCH];
    private int n;
    /** Absent PFNs to give back, in stream order; never a PFN that also waits in {@code pfns}. */
    private final long[] absent = new long[GuestPageIo.BATCH];
    private int absentCount;

    public PageLoader(GuestPageIo io, int domid, SavedDomainInfo info, boolean repeats) {
        this.io = io;
        this.domid = domid;
        this.info = info;
        this.repeats = repeats;
    }

    @Override
    public void page(long pfn, long type, byte[] src, int off) throws ImageException {
        if (info.isSpecial(pfn)) {
            return;
        }
        if (type == ImageFormat.PAGE_ABSENT) {
            if (holds(pfns, n, pfn)) {
                flushPages(); // an earlier round's page of this PFN goes in before it goes out
            }
            absent[absentCount++] = pfn;
            if (absentCount == absent.length) {
                flushAbsent();
            }
            return;
        }
        if (holds(absent, absentCount, pfn)) {
            flushAbsent(); // given back first, then populated again with this page
        }
        pfns[n] = pfn;
        types[n] = type;
        if (type == ImageFormat.PAGE_NORMAL) {
            System.arraycopy(src, off, data, n * PAGE, PAGE);
        }
        if (++n == GuestPageIo.BATCH) {
            flush();
        }
    }

    /** Writes the collected pages and gives back the collected absent PFNs. */
    public void flush() throws ImageException {
        flushPages();
        flushAbsent();
    }

    private static boolean holds(long[] list, int count, long pfn) {
        for (int i = 0; i < count; i++) {
            if (list[i] == pfn) {
                return true;
            }
        }
        return false;
    }

    /**
     * Gives back the absent PFNs, as many per hypercall as it takes: the call stops at a PFN
     * that holds no page, which is an error in an image and, in a migration stream, a PFN an
     * earlier round already gave back (skipped).
     */
    private void flushAbsent() throws ImageException {
        int from = 0;
        while (from < absentCount) {
            long rc = io.release(domid, absent, from, absentCount);
            if (rc < 0 || (rc < absentCount - from && !repeats)) {
                long bad = absent[from + (int) Math.max(0, rc)];
                absentCount = 0;
                throw new ImageException("giving back absent pfn " + bad + " failed: " + rc);
            }
            from += (int) rc;
            if (from < absentCount) {
                from++; // already absent (a repeat): nothing to give back
            }
        }
        absentCount = 0;
    }

    private void flushPages() throws ImageException {
        if (n == 0) {
            return;
        }
        long rc = io.map(domid, pfns, n, err);
        try {
            if (rc != n && repeats && rc >= 0) {
                rc = repopulate(rc);
            }
            if (rc != n) {
                throw new ImageException("mapping " + n + " pages of the new domain " + domid + " failed ("
                        + rc + " mapped): is the image's memory size larger than the domain's?");
            }
            for (int i = 0; i < n; i++) {
                if (types[i] == ImageFormat.PAGE_NORMAL) {
                    io.write(i, data, i * PAGE);
                } else {
                    io.zero(i);
                }
            }
        } finally {
            io.unmapAll();
            n = 0;
        }
    }

    /** Populates the PFNs an earlier round gave back, then maps the batch again. */
    private long repopulate(long mapped) {
        io.unmapAll();
        for (int i = 0; i < n; i++) {
            if (err[i] != 0) {
                io.populate(domid, pfns[i]);
            }
        }
        return io.map(domid, pfns, n, err);
    }
}
