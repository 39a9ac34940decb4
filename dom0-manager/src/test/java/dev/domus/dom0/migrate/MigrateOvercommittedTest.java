package dev.domus.dom0.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.domus.dom0.control.Command;
import dev.domus.dom0.control.Progress;
import dev.domus.dom0.overcommit.MemoryOps;
import dev.domus.dom0.toolstack.Toolstack;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.examples.memcheck.MemCheck;
import org.junit.jupiter.api.Test;

/**
 * Issues #9/#11: live migration of an overcommitted guest. Its paged-out pages are sent with
 * their data read from the source's paging file, not paged in; its ballooned PFNs go as absent.
 * And the guest balloons during the migration: between pre-copy rounds (the test holds the
 * source's migration thread at the end of a round, through the progress report it makes on
 * that thread, while the guest follows a new mem-set) it gives pages back, then takes some
 * again. The target ends up with exactly the pages the guest believes it holds: memcheck
 * verifies every tested page, the balloon target is kept, and the guest's balloon can grow
 * back to its full memory on the target (a PFN wrongly populated there, or wrongly absent,
 * would stop it or show in tot_pages).
 */
class MigrateOvercommittedTest extends TwoHostsTest {

    private static final int PAGES_OUT = 512;
    /** A running guest may touch a few of its own paged-out pages (its pager victims are only mostly cold). */
    private static final int GUEST_PAGE_INS = 16;



    private static void assertVerified(XsClient xs, int domid, int generation) throws InterruptedException {
        String d = "/local/domain/" + domid + "/data/memcheck/";
        MigrateTest.awaitValue(xs, d + "generation", Integer.toString(generation));
        assertEquals("ok", xs.read(d + "status"));
        assertEquals("0", xs.read(d + "errors"));
        assertEquals("1500", xs.read(d + "verified_pages"));
    }

    /** Polls Dom0's own count (tot_pages lives in the hypervisor, not xenstore) with a guard; false on timeout. */
    private static boolean await(LongSupplier value, long want) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (value.getAsLong() != want) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(10_000_000);
        }
        return true;
    }

    private static long jsonLong(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }

    @Test
    void pagedOutPagesAreCarriedFromThePagingFileAndBallooningBetweenRoundsStaysConsistent() throws Exception {
        Path cfg = tmp.resolve("memcheck.cfg");
        Files.writeString(cfg, "name = \"memcheck\"\nkernel = \"" + MemCheck.class.getName() + "\"\n"
                + "memory = 16\nmaxmem = 16\nvcpus = 1\non_crash = \"preserve\"\n"
                + "extra = \"seed=7 pages=1500 dirty_rate=0 tick_ms=20 balloon=1 verify_on_request=1\"\n");
        int domid = MigrateTest.domid(MigrateTest.ok(a, "create", cfg.toString()).out());
        assertVerified(a.xs(), domid, 1);
        Toolstack ta = (Toolstack) a.daemon().host();
        Toolstack tb = (Toolstack) b.daemon().host();
        try (MemoryOps opsA = new MemoryOps(ta.dom0()); MemoryOps opsB = new MemoryOps(tb.dom0())) {
            MigrateTest.ok(a, "mem-set", "memcheck", "12M");
            assertTrue(await(() -> opsA.domainPages(domid).totPages(), 12 * 256), "ballooned to 12 MiB on A");
            String paged = MigrateTest.ok(a, "mem-pager", "--page-out", (PAGES_OUT * 4) + "K", "memcheck").out();
            assertTrue(paged.contains("paged out " + PAGES_OUT + " pages"), paged);
            long pagedBefore = opsA.domainPages(domid).pagedPages();
            assertTrue(pagedBefore >= PAGES_OUT - 32, pagedBefore + " paged out");

            // Migrate on this thread, so the progress sink runs on the sender's thread between its rounds.
            long[] pagedAfterRound1 = {-1};
            List<String> problems = new ArrayList<>();
            List<String> reports = new ArrayList<>();
            String json = Progress.with(report -> {
                reports.add(report);
                if (!report.contains(" last=0 ") || !endOfRound(report)) {
                    return;
                }
                try {
                    if (report.startsWith("op=migrate round=1 ")) {
                        pagedAfterRound1[0] = opsA.domainPages(domid).pagedPages();
                        ta.execute(new Command("t1", "mem-set", List.of("memcheck", "9M")));
                        if (!await(() -> opsA.domainPages(domid).totPages(), 9 * 256)) {
                            problems.add("the guest did not balloon down to 9 MiB between rounds 1 and 2");
                        }
                    } else if (report.startsWith("op=migrate round=2 ")) {
                        ta.execute(new Command("t2", "mem-set", List.of("memcheck", "11M")));
                        if (!await(() -> opsA.domainPages(domid).totPages(), 11 * 256)) {
                            problems.add("the guest did not balloon up to 11 MiB between rounds 2 and 3");
                        }
                    }
                } catch (Exception e) {
                    problems.add(e.toString());
                }
            }, () -> ta.execute(new Command("t0", "migrate", List.of("memcheck", b.listen(), "--json"))));
            System.out.print(json);
            assertEquals(List.of(), problems, reports.toString());

            // Round 1 read the paged-out pages from the paging file: none was paged in for it.
            assertTrue(pagedAfterRound1[0] >= pagedBefore - GUEST_PAGE_INS,
                    pagedBefore + " paged out before, " + pagedAfterRound1[0] + " after round 1");
            assertTrue(jsonLong(json, "paged_pages") >= pagedBefore - GUEST_PAGE_INS, json);
            // 1024 PFNs ballooned before, 768 more between rounds 1 and 2: absent, not data.
            assertTrue(jsonLong(json, "absent_pages") >= 1024 + 768, json);
            assertTrue(json.split("\"round\":").length - 1 >= 4, "the ballooning left dirty PFNs for rounds 2 and 3: "
                    + json);

            int there = (int) jsonLong(json, "target_domid");
            assertFalse(MigrateTest.ok(a, "list").out().contains("memcheck"), "one copy");
            assertVerified(b.xs(), there, 2);
            String home = "/local/domain/" + there;
            assertEquals("11264", b.xs().read(home + "/memory/target"), "the balloon target is kept");
            assertEquals(11 * 256, opsB.domainPages(there).totPages(),
                    "the target holds the pages the guest holds: freed ones absent, populated ones there");

            // The guest's view and the target's P2M agree: it can take back every PFN it gave.
            MigrateTest.ok(b, "mem-set", "memcheck", "16M");
            assertTrue(await(() -> opsB.domainPages(there).totPages(), 16 * 256), "ballooned back to 16 MiB on B");
            b.xs().write(home + "/data/memcheck/verify", "1");
            MigrateTest.awaitValue(b.xs(), home + "/data/memcheck/passes", "1");
            assertEquals("0", b.xs().read(home + "/data/memcheck/errors"));
            assertEquals("ok", b.xs().read(home + "/data/memcheck/status"));
        }
    }

    /** A report of a round's end: done == total. */
    private static boolean endOfRound(String report) {
        Matcher m = Pattern.compile(" done=(\\d+) total=(\\d+) ").matcher(report);
        return m.find() && m.group(1).equals(m.group(2));
    }
}
