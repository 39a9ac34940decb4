package dev.domus.dom0.overcommit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.ConsoleRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.toolstack.Toolstack;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.examples.memcheck.MemCheck;
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

    private Path home;
    private DomusDaemon daemon;
    private XsClient xs;

    @BeforeEach
    void startHost() throws Exception {
        home = tmp.resolve("home");
        daemon = DomusDaemon.start(new DaemonSettings(home, 64, 2, "credit2", null), Toolstack.factory());
        xs = XsClient.connect(home.resolve("xenstored.sock"));
    }

    @AfterEach
    void stopHost() {
        xs.close();
        daemon.close();
    }

    private String ok(String... args) {
        return ConsoleRun.ok(home, args).out();
    }

    private int create(String name, int mib, String extra) throws Exception {
        Path f = tmp.resolve(name + ".cfg");
        Files.writeString(f, "name = \"" + name + "\"\nkernel = \"" + MemCheck.class.getName() + "\"\n"
                + "memory = " + mib + "\nmaxmem = " + mib + "\nvcpus = 1\non_crash = \"preserve\"\nextra = \"" + extra + "\"\n");
        Matcher m = Pattern.compile("domid (\\d+)").matcher(ok("create", f.toString()));
        assertTrue(m.find());
        return Integer.parseInt(m.group(1));
    }

    private String readOr(String path, String fallback) {
        try {
            return xs.read(path);
        } catch (XsError e) {
            return fallback;
        }
    }

    private long awaitAtLeast(String path, long min) throws InterruptedException {
        String token = "t" + System.nanoTime();
        xs.watch(path, token);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                String v = readOr(path, "-1");
                long n = v.matches("-?\\d+") ? Long.parseLong(v) : -1;
                if (n >= min) {
                    return n;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(path + " never reached " + min + " (is " + v + ")");
                }
                xs.nextWatchEvent(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            xs.unwatch(path, token);
        }
    }

    private static String data(int domid) {
        return "/local/domain/" + domid + "/data/memcheck/";
    }

    private static long jsonLong(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }

    @Test
    void threeGuestsPromisedMoreThanTheHostHasKeepAllTheirData() throws Exception {
        ok("mem-pager", "--low", "2M", "--high", "4M");
        String work = " dirty_rate=100 tick_ms=50 verify_every=20";
        int big1 = create("big1", 24, "seed=11" + work);
        awaitAtLeast(data(big1) + "generation", 1);
        int big2 = create("big2", 24, "seed=11" + work); // does not fit: the host makes room
        awaitAtLeast(data(big2) + "generation", 1);
        String shared = ok("mem-share");
        long savedKib = jsonLong(ok("info", "--json"), "sharing_saved_kib");
        assertTrue(savedKib > 1024, "identical guests share: " + shared);

        int small = create("small", 12, "seed=12 pages=1000 balloon=1" + work);
        awaitAtLeast(data(small) + "generation", 1);
        ok("mem-set", "small", "6M");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ok("list", "--json", "small").contains("\"balloon\":\"reached\"")) {
            assertTrue(System.nanoTime() < deadline, "small never ballooned down to 6 MiB");
            LockSupport.parkNanos(20_000_000);
        }

        String info = ok("info", "--json");
        long promisedMib = 24 + 24 + 12;
        long totalMib = jsonLong(info, "total_memory_mib");
        assertTrue(promisedMib + 16 > totalMib, "overcommitted: " + info);
        assertTrue(jsonLong(info, "paged_out_kib") + jsonLong(info, "sharing_saved_kib") > 0, info);
        assertTrue(jsonLong(info, "ballooned_kib") >= 5 * 1024, info);

        // Every guest keeps writing; each now verifies every page it owns, twice.
        for (int d : new int[] {big1, big2, small}) {
            long passes = Long.parseLong(readOr(data(d) + "passes", "0"));
            awaitAtLeast(data(d) + "passes", passes + 2);
            assertEquals("0", xs.read(data(d) + "errors"), "memcheck errors in domain " + d);
            assertEquals("ok", xs.read(data(d) + "status"));
        }
        String list = ok("list");
        assertTrue(list.contains("big1") && list.contains("big2") && list.contains("small"), list);
        System.out.println("[overcommit scenario] " + ok("info").replace('\n', ' '));
    }
}
