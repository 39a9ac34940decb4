package dev.domus.dom0.save;

import java.util.Arrays;

/**
 * Where each PFN's page lies in a save image (built by {@link ImageReader#index}): the file
 * offset of its 4096 bytes, or {@link #ZERO}, {@link #ABSENT}, {@link #NONE}; and which
 * PAGE_DATA record holds it (for the record's checksum). The last copy of a PFN wins.
 */
public final class PageIndex {

    /** The PFN is not in the image. */
    public static final long NONE = -1;
    /** An all-zero page (no data in the image). */
    public static final long ZERO = -2;
    /** Not present (ballooned out). */
    public static final long ABSENT = -3;

    private long[] offsets = new long[0];
    private int[] records = new int[0];
    private long[] recordAt = new long[64];
    private int[] recordLen = new int[64];
    private int nrRecords;

    void size(long nrPages) {
        if (offsets.length != nrPages) {
            offsets = new long[Math.toIntExact(nrPages)];
            Arrays.fill(offsets, NONE);
            records = new int[offsets.length];
        }
    }

    int addRecord(long at, int len) {
        if (nrRecords == recordAt.length) {
            recordAt = Arrays.copyOf(recordAt, nrRecords * 2);
            recordLen = Arrays.copyOf(recordLen, nrRecords * 2);
        }
        recordAt[nrRecords] = at;
        recordLen[nrRecords] = len;
        return nrRecords++;
    }

    void put(long pfn, int record, long offset) {
        offsets[(int) pfn] = offset;
        records[(int) pfn] = record;
    }

    /** The number of PFNs of the domain. */
    public int pages() {
        return offsets.length;
    }

    /** The file offset of {@code pfn}'s data, or {@link #ZERO}, {@link #ABSENT}, {@link #NONE}. */
    public long offset(long pfn) {
        return offsets[(int) pfn];
    }

    /** The PAGE_DATA record holding {@code pfn}. */
    public int record(long pfn) {
        return records[(int) pfn];
    }

    public int records() {
        return nrRecords;
    }

    /** Where record {@code r}'s header starts. */
    public long recordAt(int r) {
        return recordAt[r];
    }

    /** Record {@code r}'s body length. */
    public int recordLength(int r) {
        return recordLen[r];
    }
}
