package dev.domus.dom0.overcommit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.MemcheckHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.domus.examples.memcheck.MemCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory overcommit on a real host (hypervisor, Dom0, xenstored, domusd's control socket)
 * with memcheck guests, which fill their pages with a seeded pattern, keep rewriting them and
 * verify every page in passes, publishing the result in xenstore: sharing with copy-on-write,
 * paging out and back in, ballooning, and the refusals.
 */
class OvercommitTest {

    @TempDir
    Path tmp;

    private MemcheckHost h;

    @BeforeEach
    void startHost() throws Exception {
        h = MemcheckHost.start(tmp, 256);
    }

    @AfterEach
    void stopHost() {
        h.close();
    }

    /** Waits for two more full verification passes of the guest and checks they found nothing wrong. */
    private void assertVerifiesCleanly(int domid) throws InterruptedException {
        long now = Long.parseLong(h.readOr(MemcheckHost.data(domid) + "passes", "0"));
        h.awaitAtLeast(MemcheckHost.data(domid) + "passes", now + 2);
        assertEquals("0", h.xs.read(MemcheckHost.data(domid) + "errors"), "memcheck errors in domain " + domid);
        assertEquals("ok", h.xs.read(MemcheckHost.data(domid) + "status"));
    }

    private static final String WORKLOAD = "seed=7 pages=1500 dirty_rate=100 tick_ms=50 verify_every=10";

    @Test
    void identicalGuestsShareAndACopyOnWriteByEitherKeepsTheOthersData() throws Exception {
        int a = h.createMemcheck("a", 16, WORKLOAD);
        int b = h.createMemcheck("b", 16, WORKLOAD);
        h.awaitAtLeast(MemcheckHost.data(a) + "generation", 1);
        h.awaitAtLeast(MemcheckHost.data(b) + "generation", 1);
        assertEquals("ok", h.xs.read(MemcheckHost.data(a) + "status"));

        String out = h.ok("mem-share").out();
        Matcher m = Pattern.compile("(\\d+) pages shared \\((\\d+) zero\\)").matcher(out);
        assertTrue(m.find(), out);
        long shared = Long.parseLong(m.group(1));
        assertTrue(shared >= 1000, out);
        assertTrue(Long.parseLong(m.group(2)) > 0, "zero pages are shared too: " + out);
        assertTrue(out.matches("(?s).*\\n" + b + " +\\d+\\.\\d+\\n.*"), "frames saved reported for the second guest: " + out);
        long savedAfterScan = MemcheckHost.jsonLong(h.ok("info", "--json").out(), "sharing_saved_kib");
        assertTrue(savedAfterScan >= 4000, "at least 4 MB saved: " + savedAfterScan + " KiB");

        // Both guests keep rewriting their pages (each write to a shared page breaks the sharing
        // for the writer only) and verify all of them: the other must still see its own data.
        assertVerifiesCleanly(a);
        assertVerifiesCleanly(b);
        long savedLater = MemcheckHost.jsonLong(h.ok("info", "--json").out(), "sharing_saved_kib");
        assertTrue(savedLater < savedAfterScan, "writes broke some sharing: " + savedAfterScan + " -> " + savedLater);

        Path cfg = tmp.resolve("c.cfg");
        Files.writeString(cfg, "name = \"c\"\nkernel = \"" + MemCheck.class.getName() + "\"\nmemory = 8\nmaxmem = 8\n");
        h.ok("create", cfg.toString(), "--paused");
        assertTrue(h.refused("mem-share", "c").contains("paused"));
        assertTrue(h.refused("mem-share", "nosuch").contains("no domain"));
    }

    @Test
    void pagedOutPagesComeBackWithTheirContentAndDestroyRemovesThePagingFile() throws Exception {
        // An idle guest (it rewrites nothing and verifies only when asked), so what is paged
        // out stays out until the verification touches it.
        int d = h.createMemcheck("pg", 16, "seed=5 pages=1500 dirty_rate=0 tick_ms=50 verify_on_request=1");
        h.awaitAtLeast(MemcheckHost.data(d) + "generation", 1);

        // All of it: the clock passes over the pages the guest used (the 1500 it filled) on its
        // first round, and takes them on the second (the idle guest did not touch them since).
        String out = h.ok("mem-pager", "--page-out", "16M", "pg").out();
        Matcher m = Pattern.compile("paged out (\\d+) pages").matcher(out);
        assertTrue(m.find(), out);
        long paged = Long.parseLong(m.group(1));
        assertTrue(paged >= 3500 && paged <= 4096, out);
        // The SDK's own pages (timers, rings) may come back right away; the tested pages do not.
        long pagedKib = MemcheckHost.jsonLong(h.ok("info", "--json").out(), "paged_out_kib");
        assertTrue(pagedKib >= (paged - 32) * 4 && pagedKib <= paged * 4, pagedKib + " KiB paged out");
        Path file = h.home.resolve("paging").resolve("dom" + d + ".paging");
        assertTrue(Files.size(file) >= pagedKib * 1024, "the paging file holds the pages");

        h.xs.write(MemcheckHost.data(d) + "verify", "1");
        h.awaitAtLeast(MemcheckHost.data(d) + "passes", 1); // every tested page read back and compared
        assertEquals("0", h.xs.read(MemcheckHost.data(d) + "errors"));
        assertEquals("ok", h.xs.read(MemcheckHost.data(d) + "status"));
        long afterKib = MemcheckHost.jsonLong(h.ok("info", "--json").out(), "paged_out_kib");
        System.out.println("[paging] " + paged + " pages out, " + pagedKib + " KiB out, " + afterKib + " KiB after verify");
        assertTrue(afterKib <= pagedKib - 5 * 1024, "the verification brought the tested pages back: " + afterKib);
        h.ok("destroy", "pg");
        assertFalse(Files.exists(file), "destroy deletes the domain's paging file");
    }

    @Test
    void thePagerEvictsColdPagesFirstSoTheHotOnesAreNotPagedBackIn() throws Exception {
        // 500 hot pages, rewritten all over every 50 ms and verified every 0.5 s; the other
        // ~3400 pages of the 16 MiB guest were never touched (cold).
        int d = h.createMemcheck("hc", 16, "seed=9 pages=500 dirty_rate=10000 tick_ms=50 verify_every=10");
        h.awaitAtLeast(MemcheckHost.data(d) + "passes", 1); // the hot set is in use

        String out = h.ok("mem-pager", "--page-out", "12M", "hc").out();
        Matcher m = Pattern.compile("paged out (\\d+) pages .*; (\\d+) second chances").matcher(out);
        assertTrue(m.find(), out);
        long paged = Long.parseLong(m.group(1));
        assertEquals(3072, paged, out);
        assertTrue(Long.parseLong(m.group(2)) >= 500, "the hot pages got a second chance: " + out);
        // Then more, from where the hand stopped: what is left cold, never the hot pages.
        String more = h.ok("mem-pager", "--page-out", "2M", "hc").out();
        m = Pattern.compile("paged out (\\d+) pages").matcher(more);
        assertTrue(m.find(), more);
        long evicted = paged + Long.parseLong(m.group(1));

        assertVerifiesCleanly(d); // two more passes over every hot page, and rewrites
        long after = MemcheckHost.jsonLong(h.ok("info", "--json").out(), "paged_out_kib") / 4;
        long pageIns = evicted - after; // nothing else pages here: what is not out came back
        System.out.println("[hot/cold] " + evicted + " pages out; " + pageIns + " paged back in during two passes");
        assertTrue(pageIns <= 64, "only cold pages were taken, so few come back: " + pageIns + " page-ins; " + out + more);
    }

    @Test
    void balloonDownAndUpKeepsTheDataAndAGuestThatIgnoresTheTargetIsReported() throws Exception {
        int d = h.createMemcheck("bal", 16, "seed=3 pages=1000 dirty_rate=100 tick_ms=50 verify_every=10 balloon=1");
        int lazy = h.createMemcheck("lazy", 8, "seed=4 pages=500 dirty_rate=0 tick_ms=50");
        h.awaitAtLeast(MemcheckHost.data(d) + "generation", 1);
        h.awaitAtLeast(MemcheckHost.data(lazy) + "generation", 1);

        assertTrue(h.refused("mem-set", "bal", "32M").contains("maxmem"));
        assertTrue(h.refused("mem-set", "bal", "1M").contains("floor"));

        h.ok("mem-set", "bal", "8M");
        MemcheckHost.await("bal at 8 MiB", () -> h.ok("list", "--json", "bal").out().contains("\"balloon\":\"reached\""));
        assertTrue(MemcheckHost.jsonLong(h.ok("list", "--json", "bal").out(), "memory_mib") <= 8);
        assertVerifiesCleanly(d);
        h.ok("mem-set", "bal", "16M");
        MemcheckHost.await("bal back at 16 MiB", () -> MemcheckHost.jsonLong(h.ok("list", "--json", "bal").out(), "memory_mib") >= 15
                && h.ok("list", "--json", "bal").out().contains("\"balloon\":\"reached\""));
        assertVerifiesCleanly(d);

        h.ok("mem-set", "lazy", "4M", "--timeout", "1");
        MemcheckHost.await("lazy reported", () -> h.ok("list", "--json", "lazy").out().contains("\"balloon\":\"stalled\""));
        assertTrue(h.ok("list").out().contains("stalled!"));
        assertTrue(h.ok("events").out().contains("balloon-stalled"));
        assertEquals(8, MemcheckHost.jsonLong(h.ok("list", "--json", "lazy").out(), "memory_mib"), "not forced");
    }

    @Test
    void aFullPagingDiskStopsThePagerAndLosesNoPage() throws Exception {
        Path paging = h.home.resolve("paging");
        Files.createDirectories(paging);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", paging.toString())
                .redirectErrorStream(true).start();
        boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "needs root to mount a small tmpfs");
        try {
            int d = h.createMemcheck("full", 16, WORKLOAD);
            h.awaitAtLeast(MemcheckHost.data(d) + "generation", 1);
            String err = h.refused("mem-pager", "--page-out", "4M", "full");
            assertTrue(err.contains("paging file cannot take more pages"), err);
            assertTrue(h.ok("info").out().contains("stopped"), "info reports the stopped pager");
            assertVerifiesCleanly(d);
            h.ok("destroy", "full");
        } finally {
            h.daemon.close();
            new ProcessBuilder("umount", paging.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
