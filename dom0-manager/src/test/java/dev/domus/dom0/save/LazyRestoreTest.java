package dev.domus.dom0.save;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.ConsoleRun;
import dev.domus.dom0.control.wire.ControlClient;
import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.toolstack.Toolstack;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.examples.memcheck.MemCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code domus restore FILE --lazy} on a real host (hypervisor, Dom0, xenstored, domusd's
 * control socket) with the memcheck sample guest, which verifies every page it wrote when it
 * resumes: the domain runs before its memory is read, its touches come in through the
 * hypervisor's paging ring, a background reader streams the rest, and a corrupt page record
 * found after the domain runs destroys that domain only.
 */
class LazyRestoreTest {


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
    void stopHost() throws InterruptedException {
        xs.close();
        daemon.close();
        if (follower != null) {
            follower.join(30_000); // the follow ends with the daemon's journal
        }
    }

    private Thread follower;
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    /** Follows the daemon's event queue ({@code domus events --follow --json}) on a thread. */
    private void followEvents() {
        follower = new Thread(() -> {
            try {
                new ControlClient(home).call("follow-" + System.nanoTime(), "events", List.of("--follow", "--json"),
                        events::add);
            } catch (ControlClient.DomusUnavailableException | RuntimeException e) {
                // the daemon stopped
            }
        }, "lazy-test-events");
        follower.start();
    }

    /** Waits for an event line containing every one of {@code parts}; returns it. */
    private String awaitEvent(String... parts) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String line = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no event with " + List.of(parts) + "; " + guestDiagnostics());
            }
            boolean all = true;
            for (String p : parts) {
                all &= line.contains(p);
            }
            if (all) {
                return line;
            }
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

    private Path memcheckCfg(String extra) throws Exception {
        return memcheckCfg("memcheck", extra);
    }

    private Path memcheckCfg(String name, String extra) throws Exception {
        Path f = tmp.resolve(name + ".cfg");
        Files.writeString(f, "name = \"" + name + "\"\nkernel = \"" + MemCheck.class.getName() + "\"\n"
                + "memory = 8\nmaxmem = 8\nvcpus = 1\non_crash = \"preserve\"\nextra = \"" + extra + "\"\n");
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

    /** Waits on a xenstore watch (no sleeps) until {@code path} holds {@code want}. */
    private void awaitValue(String path, String want) throws InterruptedException {
        String token = "t" + System.nanoTime();
        xs.watch(path, token);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!want.equals(readOr(path, null))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(path + " never became " + want + " (is " + readOr(path, null) + "); "
                            + guestDiagnostics());
                }
                xs.nextWatchEvent(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            xs.unwatch(path, token);
        }
    }

    /** For a failure message: what each guest said on its console, which vCPU threads live, the domain list. */
    private String guestDiagnostics() {
        StringBuilder b = new StringBuilder("consoles:");
        try (var files = Files.list(home.resolve("logs"))) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                if (f.getFileName().toString().startsWith("console-")) {
                    b.append("\n--- ").append(f.getFileName()).append(":\n").append(Files.readString(f));
                }
            }
        } catch (java.io.IOException e) {
            b.append(" unreadable: ").append(e);
        }
        b.append("\nvCPU threads alive:");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("domus-d")) {
                b.append(' ').append(t.getName()).append('(').append(t.getState()).append(')');
            }
        }
        b.append("\nlist: ").append(domus("list").out());
        return b.toString();
    }

    private void assertVerified(int domid, int generation) throws InterruptedException {
        String d = "/local/domain/" + domid + "/data/memcheck/";
        awaitValue(d + "generation", Integer.toString(generation));
        assertEquals("ok", xs.read(d + "status"));
        assertEquals("0", xs.read(d + "errors"));
        assertTrue(Long.parseLong(xs.read(d + "verified_pages")) > 1000, xs.read(d + "verified_pages"));
    }

    @Test
    void lazyRestoreRunsFirstThenMemcheckVerifiesEveryPage() throws Exception {
        int domid = domid(ok("create", memcheckCfg("seed=7 dirty_rate=1000 tick_ms=50").toString()).out());
        assertVerified(domid, 1);
        Path image = tmp.resolve("memcheck.img");
        ok("save", "memcheck", image.toString());
        followEvents();
        String json = ok("restore", image.toString(), "--lazy", "--json").out().trim();
        Matcher j = Pattern.compile("\\{\"domid\":(\\d+),\"name\":\"memcheck\",.*\"lazy\":true,\"paused\":false,"
                + "\"running_ms\":([0-9.]+),\"pages\":2048}").matcher(json);
        assertTrue(j.matches(), json);
        domid = Integer.parseInt(j.group(1));
        assertVerified(domid, 2);
        String loaded = awaitEvent("\"restored\"", "fully loaded after");
        Matcher pages = Pattern.compile("(\\d+) pages by the background reader, (\\d+) on the guest's first touch")
                .matcher(loaded);
        assertTrue(pages.find(), loaded);
        // 8 MiB is 2048 pages: all but the four special frames came from the image, after the guest ran
        assertEquals(2044, Long.parseLong(pages.group(1)) + Long.parseLong(pages.group(2)), loaded);
        assertTrue(ok("list").out().contains("memcheck"));
        // fully loaded, it saves and restores like any other domain
        Path again = tmp.resolve("memcheck-again.img");
        ok("save", "memcheck", again.toString());
        assertVerified(domid(ok("restore", again.toString()).out()), 3);
    }

    @Test
    void aCorruptPageRecordFoundAfterTheDomainRunsDestroysItAndNothingElse() throws Exception {
        int other = domid(ok("create", memcheckCfg("bystander", "seed=11 dirty_rate=100 tick_ms=50").toString()).out());
        int domid = domid(ok("create", memcheckCfg("seed=7 dirty_rate=100 tick_ms=50").toString()).out());
        assertVerified(other, 1);
        assertVerified(domid, 1);
        Path image = tmp.resolve("memcheck.img");
        ok("save", "memcheck", image.toString());
        // flip a byte in the page data of the last PAGE_DATA record: the header scan cannot see it
        PageIndex index = new PageIndex();
        ImageReader.index(image, index);
        int last = index.records() - 1;
        long at = index.recordAt(last) + ImageFormat.RECORD_HEADER + index.recordLength(last) - 100;
        byte[] b = Files.readAllBytes(image);
        b[(int) at] ^= 0x40;
        Path corrupt = tmp.resolve("corrupt.img");
        Files.write(corrupt, b);
        followEvents();
        String restored = ok("restore", corrupt.toString(), "--lazy").out();
        assertTrue(restored.contains("lazily: running after"), restored);
        int lazyDomid = domid(restored);
        String destroyed = awaitEvent("\"destroyed\"", "\"domid\":" + lazyDomid + ",");
        assertTrue(destroyed.contains("checksum error in the PAGE_DATA record at byte " + index.recordAt(last)), destroyed);
        String list = ok("list").out();
        assertFalse(list.matches("(?s).*\\bmemcheck\\b.*"), list);
        assertTrue(list.contains("bystander"), list);
        // the bystander runs on, its memory intact: a save and restore round verifies all of it
        Path good = tmp.resolve("bystander.img");
        ok("save", "bystander", good.toString());
        assertVerified(domid(ok("restore", good.toString()).out()), 2);
    }
}
