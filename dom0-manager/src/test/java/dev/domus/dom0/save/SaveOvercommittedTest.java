package dev.domus.dom0.save;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.MemcheckHost;
import dev.domus.dom0.overcommit.MemoryOps;
import dev.domus.dom0.overcommit.PageTypes;
import dev.domus.dom0.toolstack.Toolstack;
import dev.domus.examples.memcheck.MemCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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

    private MemcheckHost h;

    @BeforeEach
    void startHost() throws Exception {
        h = MemcheckHost.start(tmp, 256);
    }

    @AfterEach
    void stopHost() {
        h.close();
    }

    @Test
    void pagedOutAndBalloonedPagesAreCarriedAsSuchAndTheRestoredGuestVerifiesAllItsMemory() throws Exception {
        Path cfg = h.memcheckCfg("memcheck", 16, "seed=11 pages=1500 dirty_rate=0 tick_ms=50 balloon=1");
        int domid = MemcheckHost.domid(h.ok("create", cfg.toString()).out());
        h.assertVerified(domid, 1);
        h.ok("mem-set", "memcheck", "10M");
        MemcheckHost.await("memcheck at 10 MiB", () -> h.ok("list", "--json", "memcheck").out().contains("\"balloon\":\"reached\""));
        String paged = h.ok("mem-pager", "--page-out", (PAGES_OUT * 4) + "K", "memcheck").out();
        assertTrue(paged.contains("paged out " + PAGES_OUT + " pages"), paged);
        long mibBefore = MemcheckHost.jsonLong(h.ok("list", "--json", "memcheck").out(), "memory_mib");

        // Save the paused domain through DomainSaver itself, so its pages can be counted after.
        h.ok("pause", "memcheck");
        Toolstack ts = (Toolstack) h.daemon.host();
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
        h.ok("unpause", "memcheck");

        // The real command, then restore: every tested page checks out and the memory is the same.
        Path image = tmp.resolve("memcheck.img");
        String saved = h.ok("save", "memcheck", image.toString()).out();
        System.out.println(saved.trim());
        Matcher m = Pattern.compile("(\\d+) absent, (\\d+) paged out").matcher(saved);
        assertTrue(m.find(), saved);
        assertTrue(Long.parseLong(m.group(1)) >= 1024 && Long.parseLong(m.group(2)) > 0, saved);
        int restored = MemcheckHost.domid(h.ok("restore", image.toString()).out());
        h.assertVerified(restored, 2);
        assertEquals(mibBefore, MemcheckHost.jsonLong(h.ok("list", "--json", "memcheck").out(), "memory_mib"), "same memory");
    }
}
