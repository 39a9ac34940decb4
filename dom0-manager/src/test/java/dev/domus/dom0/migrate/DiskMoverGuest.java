package dev.domus.dom0.migrate;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Xen;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.blk.BlkFront;
import dev.domus.sdk.xenstore.XenStore;

/**
 * A test guest for migrating a domain with a disk on shared storage. At first boot it writes
 * {@value #SECTORS} sectors of {@link #pattern}(1) at sector {@value #FIRST}, flushes, and
 * publishes {@code data/disk/first = written}; then, every tick until it is suspended, it
 * writes a counter into sector 0 (the counter's last value is kept in guest memory, so the
 * resumed guest knows what the disk must hold). After a migration ({@link Domu#resumed()})
 * it reconnects its disk, checks sector 0 and the first range, writes {@link #pattern}(2) at
 * sector {@value #SECOND}, flushes, reads it back and publishes {@code data/disk/moved}
 * ("ok" or what differed) and {@code data/disk/counter}; it writes nothing more to the disk.
 * If a suspend is cancelled (a failed migration), the next counter it writes after that goes
 * to {@code data/disk/after-cancel}: its disk came back on the source.
 */
public final class DiskMoverGuest extends DomusKernel {

    public static final long FIRST = 8;
    public static final long SECOND = 300;
    public static final int SECTORS = 64;
    private static final int MAGIC = 0x44534b4d;
    private volatile boolean cancelled;

    /** Byte {@code i} of the range written in {@code generation}: no 512-byte period. */
    public static byte pattern(int generation, int i) {
        return (byte) (i * 31 + i / 509 + generation * 101);
    }

    /** Sector 0's content for counter value {@code n}: the value, then its complement, little-endian. */
    public static byte[] counterSector(long n) {
        byte[] s = new byte[BlkFront.SECTOR];
        for (int b = 0; b < 8; b++) {
            s[b] = (byte) (n >>> (8 * b));
            s[8 + b] = (byte) (~n >>> (8 * b));
        }
        return s;
    }

    @Override
    protected void main(Domu domu) {
        XenStore xs = domu.xenstore();
        GuestMemory m = domu.memory();
        long state = domu.pagesFor("diskmover.state", 1) << Xen.PAGE_SHIFT;
        BlkFront disk = domu.disk();
        if (!domu.resumed() || m.getInt(state) != MAGIC) {
            disk.write(FIRST, range(1), 0, SECTORS);
            disk.flush();
            m.putLong(state + 8, 0);
            m.putInt(state, MAGIC);
            xs.write("data/disk/first", "written");
            while (true) {
                long n = m.getLong(state + 8) + 1;
                disk.write(0, counterSector(n), 0, 1);
                m.putLong(state + 8, n); // written, then remembered: a suspend comes only between ticks
                if (cancelled) {
                    cancelled = false;
                    xs.write("data/disk/after-cancel", Long.toString(n));
                }
                domu.sleep(5_000_000L);
            }
        }
        long counter = m.getLong(state + 8);
        String verdict = check(disk, 0, counterSector(counter), "sector 0 (counter " + counter + ")");
        if (verdict == null) {
            verdict = check(disk, FIRST, range(1), "the first range");
        }
        if (verdict == null) {
            disk.write(SECOND, range(2), 0, SECTORS);
            disk.flush();
            verdict = check(disk, SECOND, range(2), "the second range");
        }
        xs.write("data/disk/counter", Long.toString(counter));
        xs.write("data/disk/moved", verdict == null ? "ok" : verdict);
        while (true) {
            domu.sleep(1_000_000_000L);
        }
    }

    @Override
    protected void onSuspendCancelled(Domu domu) {
        cancelled = true;
    }

    private static byte[] range(int generation) {
        byte[] b = new byte[SECTORS * BlkFront.SECTOR];
        for (int i = 0; i < b.length; i++) {
            b[i] = pattern(generation, i);
        }
        return b;
    }

    /** Null if the disk holds {@code want} at {@code sector}, else what differs. */
    private static String check(BlkFront disk, long sector, byte[] want, String what) {
        byte[] got = new byte[want.length];
        disk.read(sector, got, 0, want.length / BlkFront.SECTOR);
        int at = java.util.Arrays.mismatch(got, want);
        return at < 0 ? null : what + " differs at byte " + at;
    }
}
