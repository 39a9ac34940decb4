package dev.domus.dom0.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.ConsoleRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.domus.dom0.control.wire.ControlClient;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.examples.memcheck.MemCheck;
import org.junit.jupiter.api.Test;

/**
 * {@code domus migrate} between two real hosts in this JVM (two homes, two domusd control
 * sockets, two xenstoreds, migration over loopback TCP on ephemeral ports) with the memcheck
 * guest dirtying its memory throughout; memcheck verifies every page when it resumes.
 */
class MigrateTest extends TwoHostsTest {



    static ConsoleRun domus(Node n, String... args) {
        return ConsoleRun.domus(n.home(), args);
    }

    static ConsoleRun ok(Node n, String... args) {
        ConsoleRun r = domus(n, args);
        assertEquals(0, r.rc(), () -> String.join(" ", args) + " failed: " + r.err());
        return r;
    }

    static Path memcheckCfg(Path dir, String extra) throws Exception {
        Path f = dir.resolve("memcheck.cfg");
        Files.writeString(f, "name = \"memcheck\"\nkernel = \"" + MemCheck.class.getName() + "\"\n"
                + "memory = 16\nmaxmem = 16\nvcpus = 1\non_crash = \"preserve\"\nextra = \"" + extra + "\"\n");
        return f;
    }

    static int domid(String out) {
        Matcher m = Pattern.compile("domid (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }

    static String readOr(XsClient xs, String path, String fallback) {
        try {
            return xs.read(path);
        } catch (XsError e) {
            return fallback;
        }
    }

    /** Waits on a xenstore watch (no sleeps) until {@code path} holds {@code want}. */
    static void awaitValue(XsClient xs, String path, String want) throws InterruptedException {
        String token = "t" + System.nanoTime();
        xs.watch(path, token);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!want.equals(readOr(xs, path, null))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(path + " never became " + want + " (is " + readOr(xs, path, null) + ")");
                }
                xs.nextWatchEvent(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            xs.unwatch(path, token);
        }
    }

    /** Waits on a xenstore watch (no sleeps) until {@code path} exists. */
    static void awaitExists(XsClient xs, String path) throws InterruptedException {
        String token = "e" + System.nanoTime();
        xs.watch(path, token);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (readOr(xs, path, null) == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(path + " never appeared");
                }
                xs.nextWatchEvent(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            xs.unwatch(path, token);
        }
    }

    /** memcheck booted or resumed for the {@code generation}th time and found every page right. */
    static void assertVerified(XsClient xs, int domid, int generation) throws InterruptedException {
        String d = "/local/domain/" + domid + "/data/memcheck/";
        awaitValue(xs, d + "generation", Integer.toString(generation));
        assertEquals("ok", xs.read(d + "status"));
        assertEquals("0", xs.read(d + "errors"));
        assertTrue(Long.parseLong(xs.read(d + "verified_pages")) > 3000, xs.read(d + "verified_pages"));
    }

    @Test
    void migrateThereAndBackWhileTheGuestDirtiesMemory() throws Exception {
        int domid = domid(ok(a, "create", memcheckCfg(tmp, "seed=11 dirty_rate=4000 tick_ms=10").toString()).out());
        assertVerified(a.xs(), domid, 1);
        a.xs().write("/local/domain/" + domid + "/data/note", "kept across hosts");

        // through the control socket as the console does, with the progress reports it streams
        List<String> reports = new ArrayList<>();
        ControlClient.Reply reply = new ControlClient(a.home()).call(ControlClient.newRequestId(), "migrate",
                List.of("memcheck", b.listen()), line -> { }, reports::add);
        assertTrue(reply.ok(), reply.text());
        String out = reply.text();
        System.out.print(out);
        assertTrue(reports.stream().anyMatch(p -> p.startsWith("op=migrate round=1 last=0 done=")), reports.toString());
        assertTrue(reports.stream().anyMatch(p -> p.matches("op=migrate round=\\d+ last=1 done=(\\d+) total=\\1 .*")),
                "the stop-and-copy round is reported to its end: " + reports);
        assertTrue(out.contains("(stop-and-copy)") && out.contains("downtime"), out);
        int there = domid(out.substring(out.indexOf("as domid") + 3));
        assertFalse(ok(a, "list").out().contains("memcheck"), "the source's copy is destroyed");
        assertTrue(ok(b, "list").out().contains("memcheck"));
        assertVerified(b.xs(), there, 2);
        assertEquals("kept across hosts", b.xs().read("/local/domain/" + there + "/data/note"));

        // and back, with a JSON report: it kept running there and dirtying pages
        String json = ok(b, "migrate", "memcheck", a.listen(), "--json", "--max-rounds", "3").out();
        System.out.print(json);
        Matcher m = Pattern.compile("\"target_domid\":(\\d+)").matcher(json);
        assertTrue(m.find() && json.contains("\"downtime_ms\":") && json.contains("\"stop_and_copy\":true"), json);
        assertTrue(json.split("\"round\":").length - 1 <= 4, "at most 3 pre-copy rounds and the last: " + json);
        int back = Integer.parseInt(m.group(1));
        assertVerified(a.xs(), back, 3);
        assertEquals("kept across hosts", a.xs().read("/local/domain/" + back + "/data/note"));
        assertFalse(ok(b, "list").out().contains("memcheck"));
    }
}
