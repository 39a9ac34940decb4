package dev.domus.dom0.template;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.ConsoleRun;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.domus.abi.Xen;
import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.overcommit.MemoryOps;
import dev.domus.dom0.overcommit.PageTypes;
import dev.domus.dom0.save.GuestPageIo;
import dev.domus.dom0.toolstack.Dom0Hypercalls;
import dev.domus.dom0.toolstack.Toolstack;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.examples.burn.Burn;
import dev.domus.examples.memcheck.MemCheck;
import dev.domus.hv.boot.Dom0;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Templates on a real host (hypervisor, Dom0, xenstored, domusd's control socket) with the
 * memcheck sample guest, which on resume verifies every page it filled and publishes the result:
 * ten guests created from one template share its pages copy-on-write, a write breaks sharing for
 * the writer's page only, and the host gets every frame back when all are gone.
 */
class TemplateTest {

    private static final int PAGE = Xen.PAGE_SIZE;
    private static final int MCK_MAGIC = 0x4d434b31;
    private static final long SEED = 11;
    /**
     * The ten guests' size and tested pages, and the host's memory: 16 MiB, 3000 and 256 MiB in CI.
     * A larger run (README): {@code -Ddomus.template.mib=256 -Ddomus.template.pages=60000
     * -Ddomus.template.host_mib=1024}.
     */
    private static final int MIB = Integer.getInteger("domus.template.mib", 16);
    private static final int TESTED = Integer.getInteger("domus.template.pages", 3000);
    private static final int HOST_MIB = Integer.getInteger("domus.template.host_mib", 256);
    private static final String WORKLOAD = "seed=" + SEED + " pages=" + TESTED
            + " dirty_rate=0 tick_ms=50 verify_on_request=1";

    @TempDir
    Path tmp;

    private Path home;
    private DomusDaemon daemon;
    private XsClient xs;

    @BeforeEach
    void startHost() throws Exception {
        home = tmp.resolve("home");
        start();
    }

    private void start() throws Exception {
        daemon = DomusDaemon.start(new DaemonSettings(home, HOST_MIB, 1, "credit2", null), Toolstack.factory());
        xs = XsClient.connect(home.resolve("xenstored.sock"));
    }

    @AfterEach
    void stopHost() {
        if (xs != null) {
            xs.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    private ConsoleRun domus(String... args) {
        return ConsoleRun.domus(home, args);
    }

    private ConsoleRun ok(String... args) {
        return ConsoleRun.ok(home, args);
    }

    private String refused(String... args) {
        return ConsoleRun.refused(home, args);
    }

    private Dom0 dom0() {
        return ((Toolstack) daemon.host()).dom0();
    }

    private Path cfg(String name, String kernel, int mib, int maxMib, String extra) throws Exception {
        Path f = tmp.resolve(name + ".cfg");
        Files.writeString(f, "name = \"" + name + "\"\nkernel = \"" + kernel + "\"\nmemory = " + mib + "\nmaxmem = "
                + maxMib + "\nvcpus = 1\non_crash = \"preserve\"\nextra = \"" + extra + "\"\n");
        return f;
    }

    private static int domid(String out) {
        Matcher m = Pattern.compile("domid (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }

    private String readOr(String path, String fallback) {
        try {
            return xs.read(path);
        } catch (XsError e) {
            return fallback;
        }
    }

    private static String data(int domid) {
        return "/local/domain/" + domid + "/data/memcheck/";
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
                    throw new AssertionError(path + " never became " + want + " (is " + readOr(path, null) + ")\n"
                            + domus("list").out() + domus("events").out());
                }
                xs.nextWatchEvent(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            xs.unwatch(path, token);
        }
    }

    /** Asks memcheck in {@code domid} for a full verification and returns the errors it found. */
    private long verify(int domid) throws InterruptedException {
        String passes = readOr(data(domid) + "passes", "0");
        xs.write(data(domid) + "verify", "1");
        awaitValue(data(domid) + "passes", Long.toString(Long.parseLong(passes) + 1));
        return Long.parseLong(xs.read(data(domid) + "errors"));
    }

    /** Creates a memcheck guest, lets it fill its memory, saves it (which destroys it); returns the image. */
    private Path savedMemcheck(String name, int mib, int maxMib) throws Exception {
        int d = domid(ok("create", cfg(name, MemCheck.class.getName(), mib, maxMib, WORKLOAD).toString()).out());
        awaitValue(data(d) + "generation", "1");
        assertEquals("ok", xs.read(data(d) + "status"));
        Path image = tmp.resolve(name + ".img");
        ok("save", name, image.toString());
        return image;
    }

    private long freePages() {
        try (Dom0Hypercalls hc = new Dom0Hypercalls(dom0())) {
            return hc.physinfo()[2];
        }
    }

    private int templateDomid(String name) {
        Matcher m = Pattern.compile("\"name\":\"" + name + "\",\"domid\":(\\d+)").matcher(ok("template", "list", "--json").out());
        assertTrue(m.find());
        return Integer.parseInt(m.group(1));
    }

    /** Reads pages {@code first..first+n)} of a domain without writing them (read-only foreign maps). */
    private byte[][] read(GuestPageIo io, int domid, long first, int n) {
        long[] pfns = new long[n];
        for (int i = 0; i < n; i++) {
            pfns[i] = first + i;
        }
        int[] err = new int[n];
        byte[][] out = new byte[n][];
        io.mapReadOnly(domid, pfns, n, err);
        try {
            for (int i = 0; i < n; i++) {
                if (err[i] == 0) {
                    out[i] = new byte[PAGE];
                    io.read(i, out[i], 0);
                }
            }
        } finally {
            io.unmapAll();
        }
        return out;
    }

    @Test
    void tenGuestsFromOneTemplateShareItsPagesAndAWriteBreaksOnlyThatPage() throws Exception {
        int mib = MIB;
        long nr = mib * 256L;
        Path image = savedMemcheck("base", mib, mib);
        long free0 = freePages();

        String added = ok("template", "add", "base", image.toString()).out();
        assertTrue(added.contains("added template base"), added);
        int tpl = templateDomid("base");
        assertFalse(ok("list").out().contains("base"), "the template domain is not a guest");

        List<Integer> guests = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Path c = cfg("g" + i, MemCheck.class.getName(), mib, mib, WORKLOAD);
            String out = ok("create", c.toString(), "--from-template", "base").out();
            assertTrue(out.contains("from template base"), out);
            System.out.println("[template] " + out.trim());
            guests.add(domid(out));
        }
        assertTrue(ok("template", "list").out().matches("(?s).*base +" + tpl + " +" + mib + " +10 .*"), ok("template", "list").out());
        // Each resumed from the template's point (generation 1 -> 2) and verified every page it
        // filled there: status ok, 0 errors, all its tested pages.
        for (int d : guests) {
            awaitValue(data(d) + "generation", "2");
            assertEquals("ok", xs.read(data(d) + "status"));
            assertEquals("0", xs.read(data(d) + "errors"));
            assertEquals(Integer.toString(TESTED), xs.read(data(d) + "verified_pages"));
        }

        ok("mem-share"); // one scan, as the target asks
        long identical = 0;
        long identicalShared = 0;
        long headerPfn = -1;
        long first = -1;
        try (MemoryOps ops = new MemoryOps(dom0()); GuestPageIo io = new GuestPageIo(dom0())) {
            // Batch by batch (no copy of a whole guest in the test's heap): the template's pages,
            // then each guest's, compared byte for byte, with the guest's page types.
            int[] types = new int[MemoryOps.TYPE_BATCH];
            long[] same = new long[guests.size()];
            long[] sameShared = new long[guests.size()];
            for (long p = 0; p < nr; p += GuestPageIo.BATCH) {
                byte[][] t = read(io, tpl, p, GuestPageIo.BATCH);
                for (int i = 0; i < t.length; i++) {
                    ByteBuffer h = t[i] == null ? null : ByteBuffer.wrap(t[i]).order(ByteOrder.LITTLE_ENDIAN);
                    if (h != null && h.getInt(0) == MCK_MAGIC && h.getLong(8) == SEED) {
                        headerPfn = p + i;
                        first = h.getLong(16);
                        assertEquals(TESTED, h.getLong(24));
                        assertEquals(1, h.getLong(40), "the template's memcheck is at generation 1");
                    }
                }
                for (int k = 0; k < guests.size(); k++) {
                    int d = guests.get(k);
                    byte[][] g = read(io, d, p, GuestPageIo.BATCH);
                    assertEquals(0, ops.pageTypes(d, p, GuestPageIo.BATCH, types));
                    for (int i = 0; i < GuestPageIo.BATCH; i++) {
                        if (g[i] != null && t[i] != null && Arrays.equals(g[i], t[i])) {
                            same[k]++;
                            if (types[i] == PageTypes.SHARED) {
                                sameShared[k]++;
                            }
                        }
                    }
                }
            }
            assertTrue(headerPfn > 0, "memcheck's header page found in the template");
            for (int k = 0; k < guests.size(); k++) {
                int d = guests.get(k);
                assertTrue(same[k] >= TESTED, "domain " + d + ": " + same[k] + " pages identical to the template's");
                assertTrue(sameShared[k] >= 0.9 * same[k], "domain " + d + " shares " + sameShared[k] + " of its "
                        + same[k] + " pages identical to the template's");
                identical += same[k];
                identicalShared += sameShared[k];
            }
            // memcheck's resume wrote its header (generation 2): that page alone broke away, and the
            // template's still says generation 1.
            for (int d : guests) {
                assertEquals(0, ops.pageTypes(d, headerPfn, 1, types));
                assertEquals(PageTypes.RW, types[0], "the written header page is private in domain " + d);
                assertEquals(2, ByteBuffer.wrap(read(io, d, headerPfn, 1)[0]).order(ByteOrder.LITTLE_ENDIAN).getLong(40));
            }
            assertEquals(1, ByteBuffer.wrap(read(io, tpl, headerPfn, 1)[0]).order(ByteOrder.LITTLE_ENDIAN).getLong(40));
        }
        long used = free0 - freePages();
        long savedKib = jsonLong(ok("info", "--json").out(), "sharing_saved_kib");
        System.out.printf("[template] 10 guests of %d MiB from one template: %d of %d pages identical to the template's"
                        + " are shared (%.1f%%); host memory used by the template and the 10 guests: %.1f MiB (unshared:"
                        + " %d MiB); sharing_saved %d KiB%n", mib, identicalShared, identical,
                100.0 * identicalShared / identical, used / 256.0, 11 * mib, savedKib);
        assertTrue(identicalShared >= 0.9 * identical, identicalShared + " of " + identical);
        assertTrue(used < 2 * nr, "eleven " + mib + " MiB domains fit in under two copies: " + used + " pages");
        assertTrue(savedKib >= 9 * identical / 10 * 4 * 9 / 10, "info reports the saving: " + savedKib + " KiB");

        // Dom0 writes one tested page of g3: only g3's page breaks; the others keep reading the template's data.
        int g3 = guests.get(3);
        long victim = first + 5;
        try (MemoryOps ops = new MemoryOps(dom0()); GuestPageIo io = new GuestPageIo(dom0())) {
            byte[] before = read(io, tpl, victim, 1)[0];
            int[] err = new int[1];
            assertEquals(1, io.map(g3, new long[] {victim}, 1, err));
            byte[] junk = before.clone();
            junk[100] ^= 0x5a;
            io.write(0, junk, 0);
            io.unmapAll();
            int[] types = new int[1];
            for (int d : guests) {
                assertEquals(0, ops.pageTypes(d, victim, 1, types));
                assertEquals(d == g3 ? PageTypes.RW : PageTypes.SHARED, types[0], "domain " + d);
                assertArrayEquals(d == g3 ? junk : before, read(io, d, victim, 1)[0], "domain " + d);
            }
            assertArrayEquals(before, read(io, tpl, victim, 1)[0]);
        }
        assertEquals(1, verify(g3), "memcheck in g3 finds the page Dom0 changed");
        assertEquals(0, verify(guests.get(4)), "memcheck in g4 still reads the template's data");

        // rm while guests run: the template domain goes, the frames they share stay until they go.
        String rm = ok("template", "rm", "base").out();
        assertTrue(rm.contains("10 guests"), rm);
        assertEquals(0, verify(guests.get(0)));
        assertFalse(ok("template", "list").out().contains("base"));
        for (int i = 0; i < 10; i++) {
            ok("destroy", "g" + i);
        }
        assertEquals(free0, freePages(), "every frame of the template and its guests is free again");
        assertEquals(0, jsonLong(ok("info", "--json").out(), "shared_memory_kib"));
    }

    private static long jsonLong(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }

    @Test
    void badTemplatesAndConfigsAreRefusedAndChangeNothing() throws Exception {
        Path image = savedMemcheck("small", 8, 16); // saved with maxmem 16 MiB
        String kernel = MemCheck.class.getName();

        Path c = cfg("c", kernel, 8, 16, WORKLOAD);
        assertTrue(refused("create", c.toString(), "--from-template", "nosuch").contains("no template named nosuch"));

        Path corrupt = tmp.resolve("corrupt.img");
        Files.copy(image, corrupt);
        try (RandomAccessFile f = new RandomAccessFile(corrupt.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0xff);
        }
        long free = freePages();
        String err = refused("template", "add", "bad", corrupt.toString());
        assertTrue(err.contains("not a usable save image"), err);
        assertTrue(refused("template", "add", "bad", tmp.resolve("nope.img").toString()).contains("not a file"));
        assertTrue(refused("template", "add", "../x", image.toString()).contains("bad template name"));
        assertEquals(1, ok("template", "list").out().lines().count(), "only the heading: " + ok("template", "list").out());
        assertEquals(free, freePages(), "a refused add loads nothing");

        ok("template", "add", "small", image.toString());
        ok("template", "add", "spare", image.toString());
        assertTrue(refused("template", "add", "small", image.toString()).contains("already exists"));
        free = freePages();
        err = refused("create", cfg("c2", kernel, 8, 8, WORKLOAD).toString(), "--from-template", "small");
        assertTrue(err.contains("raise maxmem to at least 16"), err);
        err = refused("create", cfg("c3", kernel, 16, 16, WORKLOAD).toString(), "--from-template", "small");
        assertTrue(err.contains("set memory = 8"), err);
        err = refused("create", cfg("c4", Burn.class.getName(), 8, 16, "").toString(), "--from-template", "small");
        assertTrue(err.contains("set kernel"), err);
        assertTrue(refused("template", "rm", "nosuch").contains("no template named nosuch"));
        ConsoleRun bare = domus("template");
        assertEquals(dev.domus.dom0.console.DomusCli.EXIT_USAGE, bare.rc(), bare.err());
        assertTrue(bare.err().contains("Usage: domus template"), bare.err());
        assertEquals(free, freePages(), "refused creates leave nothing behind");
        assertFalse(ok("list").out().contains(" c "));

        // After a restart templates load on first use; one whose file went bad is refused then.
        xs.close();
        daemon.close();
        start();
        assertTrue(ok("template", "list").out().matches("(?s).*small +- +- +0 .*"), ok("template", "list").out());
        Files.copy(corrupt, home.resolve("templates").resolve("spare.img"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        free = freePages();
        err = refused("create", c.toString(), "--from-template", "spare");
        assertTrue(err.contains("not a usable save image"), err);
        assertEquals(free, freePages());
        int d = domid(ok("create", c.toString(), "--from-template", "small").out());
        awaitValue(data(d) + "generation", "2");
        assertEquals("0", xs.read(data(d) + "errors"));
        assertNotNull(xs.read(data(d) + "verified_pages"));
    }
}
