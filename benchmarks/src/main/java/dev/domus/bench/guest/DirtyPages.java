package dev.domus.bench.guest;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Xen;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/**
 * The migration benchmark's guest: fills all of its free memory with non-zero data once, then
 * rewrites {@code dirty_rate} pages a second (one word per page, round robin) in 10 ms ticks,
 * across suspends and migrations (its state is in guest memory). Publishes
 * {@code data/dirty/ready} = 1 once filled.
 */
public final class DirtyPages extends DomusKernel {

    private static final int MAGIC = 0x44495254; // "DIRT"

    @Override
    protected void main(Domu domu) {
        GuestMemory m = domu.memory();
        long header = domu.pagesFor("dirty.header", 1) << Xen.PAGE_SHIFT;
        if (m.getInt(header) != MAGIC) {
            long count = domu.pages().freePages() - 64;
            long first = domu.pagesFor("dirty.pages", (int) count);
            for (long i = 0; i < count; i++) {
                long a = (first + i) << Xen.PAGE_SHIFT;
                for (int w = 0; w < Xen.PAGE_SIZE / 8; w++) {
                    m.putLong(a + 8L * w, (first + i) * 0x9E3779B97F4A7C15L + w);
                }
                if ((i & 1023) == 1023) {
                    domu.checkpoint();
                }
            }
            m.putLong(header + 8, first);
            m.putLong(header + 16, count);
            m.putLong(header + 24, 0);
            m.putInt(header, MAGIC);
        }
        if (domu.hasXenstore()) {
            domu.publish("data/dirty/ready", "1");
        }
        long first = m.getLong(header + 8);
        long count = m.getLong(header + 16);
        long perTick = Math.max(1, domu.param("dirty_rate", 1000) / 100);
        while (true) {
            long cursor = m.getLong(header + 24);
            for (long k = 0; k < perTick; k++) {
                long a = (first + cursor++ % count) << Xen.PAGE_SHIFT;
                m.putLong(a, m.getLong(a) + 1);
            }
            m.putLong(header + 24, cursor);
            domu.sleep(10_000_000L);
        }
    }
}
