package dev.domus.dom0.toolstack.guests;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.XenException;
import dev.domus.sdk.blk.BlkFront;
import dev.domus.sdk.xenstore.XenStore;

/**
 * A test guest for blkfront over Dom0's blkback: through {@code Domu.disk()} it writes
 * {@value #SECTORS} sectors of {@link #pattern} at sector {@value #FIRST} (more than one
 * blkif request carries), flushes, reads them back and compares; then it reads one sector
 * past the end of the disk, which blkback must refuse with {@code BLKIF_RSP_ERROR}, and
 * shows it still runs by reading sector {@value #FIRST} again. Results go to
 * {@code data/disk/} in xenstore; {@code data/disk/done} is written last.
 */
public final class DiskGuest extends DomusKernel {

    public static final long FIRST = 3;
    public static final int SECTORS = 100;

    /** The byte at offset {@code i} of the written range: no 512-byte period, so a misplaced sector shows. */
    public static byte pattern(int i) {
        return (byte) (i * 31 + i / 509);
    }

    @Override
    protected void main(Domu domu) {
        XenStore xs = domu.xenstore();
        BlkFront disk = domu.disk();
        xs.write("data/disk/sectors", Long.toString(disk.sectors()));
        byte[] out = new byte[SECTORS * BlkFront.SECTOR];
        for (int i = 0; i < out.length; i++) {
            out[i] = pattern(i);
        }
        disk.write(FIRST, out, 0, SECTORS);
        disk.flush();
        xs.write("data/disk/written", "1");
        byte[] in = new byte[out.length];
        disk.read(FIRST, in, 0, SECTORS);
        int diff = -1;
        for (int i = 0; i < in.length && diff < 0; i++) {
            if (in[i] != out[i]) {
                diff = i;
            }
        }
        xs.write("data/disk/read-back", diff < 0 ? "same" : "differs at byte " + diff);

        try {
            disk.read(disk.sectors(), new byte[BlkFront.SECTOR], 0, 1);
            xs.write("data/disk/past-end", "served");
        } catch (XenException e) {
            xs.write("data/disk/past-end", e.errnoName() + ": " + e.getMessage());
        }
        byte[] again = new byte[BlkFront.SECTOR];
        disk.read(FIRST, again, 0, 1);
        xs.write("data/disk/after-error", again[7] == out[7] && again[500] == out[500] ? "reads" : "wrong data");
        xs.write("data/disk/done", "1");
        while (true) {
            domu.sleep(1_000_000_000L);
        }
    }
}
