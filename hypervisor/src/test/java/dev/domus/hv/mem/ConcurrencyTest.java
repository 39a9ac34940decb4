package dev.domus.hv.mem;

import static dev.domus.abi.XenErrno.XEN_EAGAIN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.GuestMemoryFault;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guest vCPU threads racing the hypervisor's mapping changes. No sleeps: threads start on a
 * latch, loops are bounded, and the checks run after joins.
 */
class ConcurrencyTest {

    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private final MachineMemory mem = new MachineMemory(96 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);

    @AfterEach
    void close() {
        mem.close();
    }

    /**
     * A vCPU: counts {@code start} down once running, then until {@code stop}, fills its quarter of pseudo-random pages with its counter (a
     * 1 KiB memset, so a stale translation has a wide window), quiescing every few writes.
     */
    private static Thread vcpu(GuestMemoryView view, int slot, int pages, AtomicBoolean stop, CountDownLatch start,
                               AtomicReference<Throwable> failure, byte[][] lastWritten, boolean tolerateFaults,
                               int quiesceMask) {
        Thread t = new Thread(() -> {
            try {
                long seed = slot * 7919L + 1;
                for (int i = 1; !stop.get(); i++) {
                    seed = seed * 6364136223846793005L + 1442695040888963407L;
                    int page = (int) ((seed >>> 33) % pages);
                    byte value = (byte) (i % 255 + 1);
                    try {
                        view.setMemory((long) page * PAGE + slot * 1024L, 1024, value);
                        if (lastWritten != null) {
                            lastWritten[slot][page] = value;
                        }
                    } catch (GuestMemoryFault f) {
                        if (!tolerateFaults) {
                            throw f;
                        }
                    }
                    if (i == 1) {
                        start.countDown(); // "I am running": the hypervisor side waits for all
                    }
                    if ((i & quiesceMask) == 0) {
                        view.quiesce();
                    }
                }
                view.offline();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, "vcpu-" + slot);
        t.start();
        return t;
    }

    private static Thread[] startVcpus(DomainMemory dom, int vcpus, int pages, AtomicBoolean stop, CountDownLatch start,
                                       AtomicReference<Throwable> failure, byte[][] last, boolean tolerateFaults,
                                       int quiesceMask) {
        Thread[] threads = new Thread[vcpus];
        for (int i = 0; i < vcpus; i++) {
            threads[i] = vcpu(dom.newView(), i, pages, stop, start, failure, last, tolerateFaults, quiesceMask);
        }
        try {
            start.await(); // every vCPU has written once: the race is on
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return threads;
    }

    private static void stopAll(AtomicBoolean stop, Thread[] threads, AtomicReference<Throwable> failure)
            throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        assertNull(failure.get());
    }

    @Test
    void logDirtyNeverLosesAWriteRacingWithClean() throws Exception {
        int pages = 48;
        DomainMemory dom = new DomainMemory(1, alloc, pages, pages);
        dom.populateRange(0, pages);
        assertEquals(0, dom.logDirtyEnable());
        int vcpus = 3;
        // The migration side: a shadow copy built only from what CLEAN reports.
        byte[][] shadow = new byte[pages][PAGE];
        UnsafeBuffer page = new UnsafeBuffer(new byte[PAGE]);
        long[] bitmap = new long[dom.logDirtyBitmapWords()];

        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = startVcpus(dom, vcpus, pages, stop, new CountDownLatch(vcpus), failure, null, false, 7);
        int rounds = 400;
        for (int r = 0; r < rounds; r++) {
            copyDirty(dom, bitmap, page, shadow);
        }
        stopAll(stop, threads, failure);
        // Final stop-and-copy round: every vCPU is offline (paused).
        copyDirty(dom, bitmap, page, shadow);
        for (int p = 0; p < pages; p++) {
            assertEquals(0, dom.copyFromGuest((long) p * PAGE, page, 0, PAGE));
            assertArrayEquals(page.byteArray(), shadow[p], "page " + p + " lost a write after " + rounds + " rounds");
        }
        // And the writes really happened: every vCPU's quarter holds its bytes somewhere.
        for (int slot = 0; slot < vcpus; slot++) {
            boolean seen = false;
            for (int p = 0; p < pages && !seen; p++) {
                seen = shadow[p][slot * 1024] != 0;
            }
            assertTrue(seen, "vCPU " + slot + " wrote nothing");
        }
    }

    private static void copyDirty(DomainMemory dom, long[] bitmap, UnsafeBuffer page, byte[][] shadow) {
        long n = dom.logDirtyClean(bitmap);
        assertTrue(n >= 0);
        for (int p = 0; p < shadow.length; p++) {
            if ((bitmap[p >>> 6] & (1L << (p & 63))) != 0) {
                assertEquals(0, dom.copyFromGuest((long) p * PAGE, page, 0, PAGE));
                page.getBytes(0, shadow[p]);
            }
        }
    }

    @Test
    void noWriteLandsInAFrameHandedToAnotherDomain() throws Exception {
        int pages = 16;
        DomainMemory a = new DomainMemory(1, alloc, pages, pages);
        DomainMemory b = new DomainMemory(2, alloc, 64, 64);
        a.populateRange(0, pages);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = startVcpus(a, 2, pages, stop, new CountDownLatch(2), failure, null, true, 7);
        GuestMemoryView bv = b.newView();
        UnsafeBuffer got = new UnsafeBuffer(new byte[PAGE]);
        // The hypervisor balloons a's pages out while a's vCPUs write them, and b at once asks
        // for a frame: it gets a's frame as soon as a's vCPUs have quiesced (never before).
        // b checks the frame is zero, stamps it, and checks the stamp 64 rounds later.
        for (long round = 0; round < 1500; round++) {
            int p = (int) (round % pages);
            int bp = (int) (round % 64);
            if (dev.domus.hv.p2m.P2mType.isRam(b.typeOf(bp))) {
                assertStamp(b, bp, round - 64, got);
                assertEquals(0, b.release(bp));
            }
            bv.quiesce();
            if (dev.domus.hv.p2m.P2mType.isRam(a.typeOf(p))) {
                assertEquals(0, a.release(p));
            }
            if (b.populate(bp) == 0) {
                assertEquals(0, b.copyFromGuest((long) bp * PAGE, got, 0, PAGE));
                for (int i = 0; i < PAGE; i += 8) {
                    assertEquals(0, got.getLong(i), "a frame reached b with data in it");
                }
                for (int i = 0; i < PAGE; i += 8) {
                    bv.putLong((long) bp * PAGE + i, ~round ^ bp);
                }
            }
            a.populate(p);
            bv.quiesce();
        }
        stopAll(stop, threads, failure);
        for (long round = 1500 - 64; round < 1500; round++) {
            int bp = (int) (round % 64);
            if (dev.domus.hv.p2m.P2mType.isRam(b.typeOf(bp))) {
                assertStamp(b, bp, round, got);
            }
        }
    }

    private static void assertStamp(DomainMemory b, int bp, long round, UnsafeBuffer got) {
        assertEquals(0, b.copyFromGuest((long) bp * PAGE, got, 0, PAGE));
        for (int i = 0; i < PAGE; i += 8) {
            assertEquals(~round ^ bp, got.getLong(i), "b's page " + bp + " was written by another domain");
        }
    }

    @Test
    void pageOutRacingWithWritersLosesNothing() throws Exception {
        int pages = 48;
        DomainMemory dom = new DomainMemory(1, alloc, pages, pages);
        dom.populateRange(0, pages);
        try (FilePageStore store = new FilePageStore(dir.resolve("pages.bin"))) {
            dom.setPageStore(store);
            int vcpus = 2;
            byte[][] last = new byte[vcpus][pages];
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] threads = startVcpus(dom, vcpus, pages, stop, new CountDownLatch(vcpus), failure, last, false, 0);
            long evicted = 0;
            for (int round = 0; round < 240; round++) {
                int p = round % pages;
                // Evict as soon as every vCPU has quiesced since the nomination (a bounded
                // retry), unless a vCPU wrote the page meanwhile, which cancels the nomination.
                int rc = dom.nominatePageOut(p);
                for (int k = 0; k < 100_000 && rc == 0; k++) {
                    rc = dom.evictPage(p);
                    if (rc == 0) {
                        evicted++;
                    } else if (rc == -XEN_EAGAIN) {
                        rc = 0;
                        Thread.onSpinWait();
                    } else {
                        break;
                    }
                    if (dom.typeOf(p) == dev.domus.hv.p2m.P2mType.p2m_ram_paged) {
                        break;
                    }
                }
            }
            stopAll(stop, threads, failure);
            UnsafeBuffer word = new UnsafeBuffer(new byte[1024]);
            for (int slot = 0; slot < vcpus; slot++) {
                for (int p = 0; p < pages; p++) {
                    assertEquals(0, dom.copyFromGuest((long) p * PAGE + slot * 1024L, word, 0, 1024));
                    for (int i = 0; i < 1024; i++) {
                        assertEquals(last[slot][p], word.getByte(i), "vCPU " + slot + " page " + p);
                    }
                }
            }
            // Whatever the race evicted, everything still pages out and back in intact.
            for (int p = 0; p < pages; p++) {
                int t = dom.typeOf(p);
                if (t != dev.domus.hv.p2m.P2mType.p2m_ram_paged) {
                    assertEquals(0, dom.pageOut(p), "all vCPUs are offline: eviction is immediate");
                }
            }
            assertEquals(pages, store.pages());
            for (int slot = 0; slot < vcpus; slot++) {
                for (int p = 0; p < pages; p++) {
                    assertEquals(0, dom.copyFromGuest((long) p * PAGE + slot * 1024L, word, 0, 1024));
                    assertEquals(last[slot][p], word.getByte(1023), "after page-in: vCPU " + slot + " page " + p);
                }
            }
            System.out.println("page-out race: " + evicted + " evictions during the race ");
        }
    }
}
