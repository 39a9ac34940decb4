package dev.domus.dom0.save;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.ConsoleRun;
import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.overcommit.MemoryOps;
import dev.domus.dom0.overcommit.PageTypes;
import dev.domus.dom0.toolstack.Toolstack;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.examples.memcheck.MemCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issues #9/#11: a save of an overcommitted guest carries its paged-out pages from the paging
 * file (without paging them in) and records its ballooned PFNs as absent, with no data; the
 * restored guest verifies all its memory and has the same memory as before.
 */
class SaveOvercommittedTest {

    private static final int PAGES_OUT = 512;

    @TempDir
    Path tmp;

    private Path home;
    private DomusDaemon daemon;
    private XsClient xs;

    @BeforeEach
    void startHost() throws Exception {
        home = tmp.resolve("home");
        daemon = DomusDaemon.start(new DaemonSettings(home, 256, 1, "credit2", null), Toolstack.factory());
        xs = XsClient.connect(home.resolve("xenstored.sock"));
    }

    @AfterEach
    void stopHost() {
        xs.close();
        daemon.close();
    }

    private ConsoleRun ok(String... args) {
        return ConsoleRun.ok(home, args);
    }

    private static int domid(String out) {
        Matcher m = Pattern.compile("domid (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }

    private static long jsonLong(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }

    private String readOr(String path, String fallback) {
        try {
            return xs.read(path);
        } catch (XsError e) {
            return fallback;
        }
    }

    /** Waits on a xenstore watch (no sleeps) until {@code path} holds {@code want}. */
    private void awaitValue(String path, String want) throws InterruptedException {
        String token = "t" + System.nanoTime();
        xs.watch(path, token);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!want.equals(readOr(path, null))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(path + " never became " + want + " (is " + readOr(path, null) + ")");
                }
                xs.nextWatchEvent(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            xs.unwatch(path, token);
        }
    }

    /** Polls Dom0's own state (the balloon monitor lives there, not in xenstore) with a guard. */
    private static void await(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(20_000_000);
        }
    }

    private void assertVerified(int domid, int generation) throws InterruptedException {
        String d = "/local/domain/" + domid + "/data/memcheck/";
        awaitValue(d + "generation", Integer.toString(generation));
        assertEquals("ok", xs.read(d + "status"));
        assertEquals("0", xs.read(d + "errors"));
        assertTrue(Long.parseLong(xs.read(d + "verified_pages")) > 1000, xs.read(d + "verified_pages"));
    }

    @Test
    void pagedOutAndBalloonedPagesAreCarriedAsSuchAndTheRestoredGuestVerifiesAllItsMemory() throws Exception {
        Path cfg = tmp.resolve("memcheck.cfg");
        Files.writeString(cfg, "name = \"memcheck\"\nkernel = \"" + MemCheck.class.getName() + "\"\n"
                + "memory = 16\nmaxmem = 16\nvcpus = 1\non_crash = \"preserve\"\n"
                + "extra = \"seed=11 pages=1500 dirty_rate=0 tick_ms=50 balloon=1\"\n");
        int domid = domid(ok("create", cfg.toString()).out());
        assertVerified(domid, 1);
        ok("mem-set", "memcheck", "10M");
        await("memcheck at 10 MiB", () -> ok("list", "--json", "memcheck").out().contains("\"balloon\":\"reached\""));
        String paged = ok("mem-pager", "--page-out", (PAGES_OUT * 4) + "K", "memcheck").out();
        assertTrue(paged.contains("paged out " + PAGES_OUT + " pages"), paged);
        long mibBefore = jsonLong(ok("list", "--json", "memcheck").out(), "memory_mib");

        // Save the paused domain through DomainSaver itself, so its pages can be counted after.
        ok("pause", "memcheck");
        Toolstack ts = (Toolstack) daemon.host();
        try (MemoryOps ops = new MemoryOps(ts.dom0())) {
            MemoryOps.DomainPages before = ops.domainPages(domid);
            long nrPages = before.maxPages();
            int[] types = new int[(int) nrPages];
            int[] chunk = new int[MemoryOps.TYPE_BATCH];
            for (int first = 0; first < nrPages; first += MemoryOps.TYPE_BATCH) {
                int n = (int) Math.min(MemoryOps.TYPE_BATCH, nrPages - first);
                assertEquals(0, ops.pageTypes(domid, first, n, chunk));
                System.arraycopy(chunk, 0, types, first, n);
            }
            long pagedOut = java.util.Arrays.stream(types).filter(t -> t == PageTypes.PAGED).count();
            long ballooned = java.util.Arrays.stream(types).filter(t -> t == PageTypes.BALLOONED).count();
            assertEquals(before.pagedPages(), pagedOut);
            assertTrue(pagedOut >= PAGES_OUT - 32, pagedOut + " pages out");
            assertTrue(ballooned >= 1024, ballooned + " pages ballooned");

            Path probe = tmp.resolve("probe.img");
            SavedDomainInfo info = new SavedDomainInfo("memcheck", domid, MemCheck.class.getName(), "", "",
                    16 * 1024, 16 * 1024, 1, nrPages, new long[0]);
            DomainSaver.Result r = new DomainSaver(ts.dom0()).save(domid, info, null, null, Map.of(),
                    new long[][] {{0, 1, 0}}, probe);
            MemoryOps.DomainPages after = ops.domainPages(domid);
            System.out.println("[carry] " + pagedOut + " paged out, " + ballooned + " ballooned; saved " + r
                    + "; tot_pages " + before.totPages() + " -> " + after.totPages()
                    + ", paged_pages " + before.pagedPages() + " -> " + after.pagedPages());
            assertEquals(before.pagedPages(), after.pagedPages(), "the save paged nothing in");
            assertEquals(before.totPages(), after.totPages());
            assertEquals(pagedOut, r.pagedPages());
            assertEquals(ballooned, r.absentPages());

            // The image says so page by page: ballooned PFNs absent with no data, paged-out ones with data.
            long[] seen = new long[(int) nrPages];
            ImageReader.read(probe, (pfn, type, data, off) -> seen[(int) pfn] = type | 1);
            for (int pfn = 0; pfn < nrPages; pfn++) {
                long t = seen[pfn] & ImageFormat.PAGE_TYPE_MASK;
                assertTrue((seen[pfn] & 1) != 0, "pfn " + pfn + " is in the image");
                if (types[pfn] == PageTypes.BALLOONED) {
                    assertEquals(ImageFormat.PAGE_ABSENT, t, "ballooned pfn " + pfn);
                } else if (types[pfn] == PageTypes.PAGED) {
                    assertTrue(t == ImageFormat.PAGE_NORMAL || t == ImageFormat.PAGE_ZERO, "paged-out pfn " + pfn);
                }
            }
            Files.delete(probe);
        }
        ok("unpause", "memcheck");

        // The real command, then restore: every tested page checks out and the memory is the same.
        Path image = tmp.resolve("memcheck.img");
        String saved = ok("save", "memcheck", image.toString()).out();
        System.out.println(saved.trim());
        Matcher m = Pattern.compile("(\\d+) absent, (\\d+) paged out").matcher(saved);
        assertTrue(m.find(), saved);
        assertTrue(Long.parseLong(m.group(1)) >= 1024 && Long.parseLong(m.group(2)) > 0, saved);
        int restored = domid(ok("restore", image.toString()).out());
        assertVerified(restored, 2);
        assertEquals(mibBefore, jsonLong(ok("list", "--json", "memcheck").out(), "memory_mib"), "same memory");
    }
}
