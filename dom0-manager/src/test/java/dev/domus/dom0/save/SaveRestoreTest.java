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
 * {@code domus save} / {@code domus restore} on a real host (hypervisor, Dom0, xenstored,
 * domusd's control socket) with the memcheck sample guest, which verifies every page it
 * wrote when it resumes and publishes the result in xenstore.
 */
class SaveRestoreTest {

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
        return ConsoleRun.ok(home, args);
    }

    private String refused(String... args) {
        return ConsoleRun.refused(home, args);
    }

    private Path memcheckCfg(String extra) throws Exception {
        Path f = tmp.resolve("memcheck.cfg");
        Files.writeString(f, "name = \"memcheck\"\nkernel = \"" + MemCheck.class.getName() + "\"\n"
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
    void saveThenRestoreTwiceAndMemcheckVerifiesEveryPage() throws Exception {
        int domid = domid(ok("create", memcheckCfg("seed=7 dirty_rate=1000 tick_ms=50").toString()).out());
        assertVerified(domid, 1);
        for (int round = 2; round <= 3; round++) {
            Path image = tmp.resolve("memcheck-" + round + ".img");
            String saved = ok("save", "memcheck", image.toString()).out();
            assertTrue(saved.contains("saved memcheck"), saved);
            System.out.println(saved.trim());
            assertTrue(Files.size(image) > 1 << 20);
            assertFalse(ok("list").out().contains("memcheck"), "the saved domain is destroyed");
            String restored = ok("restore", image.toString()).out();
            System.out.println(restored.trim());
            domid = domid(restored);
            // main() ran again via resume: generation counts boots, and every page checked out
            assertVerified(domid, round);
            assertTrue(ok("list").out().contains("memcheck"));
        }
    }

    @Test
    void aBadImageIsRefusedBeforeAnyDomainIsCreated() throws Exception {
        int domid = domid(ok("create", memcheckCfg("seed=9 dirty_rate=100").toString()).out());
        assertVerified(domid, 1);
        Path image = tmp.resolve("good.img");
        ok("save", "memcheck", image.toString());
        byte[] b = Files.readAllBytes(image);
        Path corrupt = tmp.resolve("corrupt.img");
        byte[] c = b.clone();
        c[b.length / 2] ^= 0x40;
        Files.write(corrupt, c);
        Path cut = tmp.resolve("cut.img");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length - 100));
        assertTrue(refused("restore", corrupt.toString()).contains("checksum error in record"));
        assertTrue(refused("restore", cut.toString()).contains("truncated"));
        String before = daemon.commandService().journal().toString();
        assertFalse(ok("list").out().contains("memcheck"), "no domain was created");
        assertEquals(before, daemon.commandService().journal().toString());
        // the good image still restores
        assertVerified(domid(ok("restore", image.toString()).out()), 2);
    }

    @Test
    void aGuestThatNeverSuspendsFailsTheSaveAndKeepsRunning() throws Exception {
        // xenstore=off: the guest never sees control/shutdown, so it never reaches its suspend point
        int domid = domid(ok("create", memcheckCfg("seed=3 dirty_rate=100 xenstore=off").toString()).out());
        Path image = tmp.resolve("never.img");
        String why = refused("save", "memcheck", image.toString(), "--timeout", "300");
        assertTrue(why.contains("did not reach its suspend point within 300 ms"), why);
        assertFalse(Files.exists(image));
        String list = ok("list").out();
        assertTrue(list.contains("memcheck") && list.contains(" " + domid + " "), list);
        assertFalse(list.matches("(?s).*memcheck.*\\bs\\b.*"), list);
    }

    @Test
    void aFullDiskFailsTheSaveRemovesThePartialImageAndTheGuestRunsOn() throws Exception {
        Path mnt = Files.createDirectory(tmp.resolve("small"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        boolean mounted = p.waitFor() == 0;
        Assumptions.assumeTrue(mounted, "needs root to mount a small tmpfs");
        try {
            int domid = domid(ok("create", memcheckCfg("seed=5 dirty_rate=1000 tick_ms=50").toString()).out());
            assertVerified(domid, 1);
            Path image = mnt.resolve("full.img");
            String why = refused("save", "memcheck", image.toString());
            assertTrue(why.contains("cannot save memcheck") && why.contains("No space left on device")
                    && why.contains("it keeps running"), why);
            assertFalse(Files.exists(image), "the partial image is removed");
            // the same domain runs on: a second save to a roomy disk and a restore verify all memory
            Path good = tmp.resolve("after-full.img");
            ok("save", "memcheck", good.toString());
            assertVerified(domid(ok("restore", good.toString()).out()), 2);
        } finally {
            new ProcessBuilder("umount", mnt.toString()).redirectErrorStream(true).start().waitFor();
        }
    }
}
