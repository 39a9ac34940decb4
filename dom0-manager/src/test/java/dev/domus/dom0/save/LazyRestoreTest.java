package dev.domus.dom0.save;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.ConsoleRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.domus.dom0.console.DomusCli;
import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.toolstack.Toolstack;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.examples.memcheck.MemCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code domus restore --lazy} on a real host (hypervisor, Dom0, xenstored,
 * domusd's control socket) with the memcheck sample guest, which verifies every page it
 * wrote when it resumes and publishes the result in xenstore.
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
    void stopHost() {
        xs.close();
        daemon.close();
    }

    private ConsoleRun domus(String... args) {
        return ConsoleRun.domus(home, args);
    }

    private ConsoleRun ok(String... args) {
        ConsoleRun r = domus(args);
        assertEquals(0, r.rc(), () -> String.join(" ", args) + " failed: " + r.err());
        return r;
    }

    private String refused(String... args) {
        ConsoleRun r = domus(args);
        assertEquals(DomusCli.EXIT_FAILURE, r.rc(), () -> String.join(" ", args) + " should fail: " + r.out());
        assertFalse(r.err().contains("Exception"), r.err());
        return r.err();
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
        String restored = ok("restore", image.toString(), "--lazy").out();
        System.out.println(restored.trim());
        assertTrue(restored.contains("running after") && restored.contains("fully loaded after"), restored);
        Matcher pages = Pattern.compile("(\\d+) pages by the background reader, (\\d+) on").matcher(restored);
        assertTrue(pages.find(), restored);
        // 8 MiB is 2048 pages: all but the special frames came from the image, after the guest ran
        long fromImage = Long.parseLong(pages.group(1)) + Long.parseLong(pages.group(2));
        assertTrue(fromImage > 2000, restored);
        domid = domid(restored);
        assertVerified(domid, 2);
        assertTrue(ok("list").out().contains("memcheck"));
        // the lazily restored domain saves and restores again like any other
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
        String why = refused("restore", corrupt.toString(), "--lazy");
        assertTrue(why.contains("checksum error in the PAGE_DATA record at byte " + index.recordAt(last))
                && why.contains("the domain was destroyed"), why);
        String list = ok("list").out();
        assertFalse(list.matches("(?s).*\\bmemcheck\\b.*"), list);
        assertTrue(list.contains("bystander"), list);
        // the bystander runs on, its memory intact: a save/restore round verifies all of it
        Path good = tmp.resolve("bystander.img");
        ok("save", "bystander", good.toString());
        assertVerified(domid(ok("restore", good.toString(), "--lazy").out()), 2);
    }
}
