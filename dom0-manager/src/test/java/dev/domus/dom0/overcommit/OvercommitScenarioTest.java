package dev.domus.dom0.overcommit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.MemcheckHost;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 8 GiB host of issue 11 at 1/128 scale: a 64 MiB host (16 MiB of it Dom0's) runs two
 * 24 MiB memcheck guests with the same content and a 12 MiB third one: 60 MiB promised on
 * 48. Creates make room by sharing and paging, the third guest is ballooned down, every guest
 * keeps rewriting its pages, and at the end each one verifies all of its data: no errors.
 */
class OvercommitScenarioTest {

    @TempDir
    Path tmp;

    private MemcheckHost h;

    @BeforeEach
    void startHost() throws Exception {
        h = MemcheckHost.start(tmp, 64, 2);
    }

    @AfterEach
    void stopHost() {
        h.close();
    }

    @Test
    void threeGuestsPromisedMoreThanTheHostHasKeepAllTheirData() throws Exception {
        h.ok("mem-pager", "--low", "2M", "--high", "4M");
        String work = " dirty_rate=100 tick_ms=50 verify_every=20";
        int big1 = h.createMemcheck("big1", 24, "seed=11" + work);
        h.awaitAtLeast(MemcheckHost.data(big1) + "generation", 1);
        int big2 = h.createMemcheck("big2", 24, "seed=11" + work); // does not fit: the host makes room
        h.awaitAtLeast(MemcheckHost.data(big2) + "generation", 1);
        String shared = h.ok("mem-share").out();
        long savedKib = MemcheckHost.jsonLong(h.ok("info", "--json").out(), "sharing_saved_kib");
        assertTrue(savedKib > 1024, "identical guests share: " + shared);

        int small = h.createMemcheck("small", 12, "seed=12 pages=1000 balloon=1" + work);
        h.awaitAtLeast(MemcheckHost.data(small) + "generation", 1);
        h.ok("mem-set", "small", "6M");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!h.ok("list", "--json", "small").out().contains("\"balloon\":\"reached\"")) {
            assertTrue(System.nanoTime() < deadline, "small never ballooned down to 6 MiB");
            LockSupport.parkNanos(20_000_000);
        }

        String info = h.ok("info", "--json").out();
        long promisedMib = 24 + 24 + 12;
        long totalMib = MemcheckHost.jsonLong(info, "total_memory_mib");
        assertTrue(promisedMib + 16 > totalMib, "overcommitted: " + info);
        assertTrue(MemcheckHost.jsonLong(info, "paged_out_kib") + MemcheckHost.jsonLong(info, "sharing_saved_kib") > 0, info);
        assertTrue(MemcheckHost.jsonLong(info, "ballooned_kib") >= 5 * 1024, info);

        // Every guest keeps writing; each now verifies every page it owns, twice.
        for (int d : new int[] {big1, big2, small}) {
            long passes = Long.parseLong(h.readOr(MemcheckHost.data(d) + "passes", "0"));
            h.awaitAtLeast(MemcheckHost.data(d) + "passes", passes + 2);
            assertEquals("0", h.xs.read(MemcheckHost.data(d) + "errors"), "memcheck errors in domain " + d);
            assertEquals("ok", h.xs.read(MemcheckHost.data(d) + "status"));
        }
        String list = h.ok("list").out();
        assertTrue(list.contains("big1") && list.contains("big2") && list.contains("small"), list);
        System.out.println("[overcommit scenario] " + h.ok("info").out().replace('\n', ' '));
    }
}
