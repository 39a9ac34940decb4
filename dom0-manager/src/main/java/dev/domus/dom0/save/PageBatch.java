package dev.domus.dom0.save;

import static dev.domus.dom0.save.ImageFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Collects up to {@link ImageFormat#MAX_BATCH_PAGES} pages into one PAGE_DATA record body
 * (count u32, res u32, PFN entries u64 with the type in bits 60-63, then 4096 bytes per
 * {@link ImageFormat#PAGE_NORMAL} page). Reuses its buffers for every batch; pages read with
 * {@link #read} land in the batch's data directly, and the record is written from the PFN list
 * and the data as they are, so a page is copied once on its way to the writer.
 */
public final class PageBatch {

    private static final int PAGE = 1 << PAGE_SHIFT;
    private final byte[] data = new byte[MAX_BATCH_PAGES * PAGE];
    private final long[] entries = new long[MAX_BATCH_PAGES];
    private final byte[] head = new byte[8 + MAX_BATCH_PAGES * 8];
    private final ByteBuffer bb = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
    private int count;
    private int withData;
    private long normal;
    private long zero;
    private long absent;

    public boolean full() {
        return count == MAX_BATCH_PAGES;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** Adds a page whose contents are {@code page[off..off+4096)}; an all-zero page is recorded as zero. */
    public void page(long pfn, byte[] page, int off) {
        if (allZero(page, off)) {
            add(pfn | PAGE_ZERO);
            zero++;
            return;
        }
        System.arraycopy(page, off, data, withData * PAGE, PAGE);
        withData++;
        add(pfn | PAGE_NORMAL);
        normal++;
    }

    /**
     * Adds PFN {@code pfn} with the contents of foreign-mapped slot {@code slot} of {@code io},
     * read straight into the batch; an all-zero page is recorded as zero.
     */
    public void read(GuestPageIo io, int slot, long pfn) {
        if (full()) {
            throw new IllegalStateException("batch is full: write it first");
        }
        int off = withData * PAGE;
        io.read(slot, data, off);
        if (allZero(data, off)) {
            add(pfn | PAGE_ZERO);
            zero++;
            return;
        }
        withData++;
        add(pfn | PAGE_NORMAL);
        normal++;
    }

    /** Adds a PFN with no page behind it (ballooned out or never populated). */
    public void absent(long pfn) {
        add(pfn | PAGE_ABSENT);
        absent++;
    }

    private void add(long entry) {
        if (full()) {
            throw new IllegalStateException("batch is full: write it first");
        }
        entries[count++] = entry;
    }

    private static final byte[] ZERO = new byte[PAGE];

    private static boolean allZero(byte[] p, int off) {
        return java.util.Arrays.mismatch(p, off, off + PAGE, ZERO, 0, PAGE) < 0; // vectorized
    }

    /** Writes the batch as one PAGE_DATA record and empties it. */
    public void writeTo(ImageWriter w) throws IOException {
        if (count == 0) {
            return;
        }
        bb.clear();
        bb.putInt(count).putInt(0);
        for (int i = 0; i < count; i++) {
            bb.putLong(entries[i]);
        }
        w.record(REC_TYPE_PAGE_DATA, head, 0, bb.position(), data, 0, withData * PAGE);
        count = 0;
        withData = 0;
    }

    public long normalPages() {
        return normal;
    }

    public long zeroPages() {
        return zero;
    }

    public long absentPages() {
        return absent;
    }
}
