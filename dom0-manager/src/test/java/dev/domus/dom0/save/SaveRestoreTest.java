package dev.domus.dom0.save;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.MemcheckHost;
import java.nio.file.Files;
import java.nio.file.Path;

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

    private MemcheckHost h;

    @BeforeEach
    void startHost() throws Exception {
        h = MemcheckHost.start(tmp, 256);
    }

    @AfterEach
    void stopHost() {
        h.close();
    }

    private Path memcheckCfg(String extra) throws Exception {
        return h.memcheckCfg("memcheck", 8, extra);
    }

    @Test
    void saveThenRestoreTwiceAndMemcheckVerifiesEveryPage() throws Exception {
        int domid = MemcheckHost.domid(h.ok("create", memcheckCfg("seed=7 dirty_rate=1000 tick_ms=50").toString()).out());
        h.assertVerified(domid, 1);
        for (int round = 2; round <= 3; round++) {
            Path image = tmp.resolve("memcheck-" + round + ".img");
            String saved = h.ok("save", "memcheck", image.toString()).out();
            assertTrue(saved.contains("saved memcheck"), saved);
            System.out.println(saved.trim());
            assertTrue(Files.size(image) > 1 << 20);
            assertFalse(h.ok("list").out().contains("memcheck"), "the saved domain is destroyed");
            String restored = h.ok("restore", image.toString()).out();
            System.out.println(restored.trim());
            domid = MemcheckHost.domid(restored);
            // main() ran again via resume: generation counts boots, and every page checked out
            h.assertVerified(domid, round);
            assertTrue(h.ok("list").out().contains("memcheck"));
        }
    }

    @Test
    void aBadImageIsRefusedBeforeAnyDomainIsCreated() throws Exception {
        int domid = MemcheckHost.domid(h.ok("create", memcheckCfg("seed=9 dirty_rate=100").toString()).out());
        h.assertVerified(domid, 1);
        Path image = tmp.resolve("good.img");
        h.ok("save", "memcheck", image.toString());
        byte[] b = Files.readAllBytes(image);
        Path corrupt = tmp.resolve("corrupt.img");
        byte[] c = b.clone();
        c[b.length / 2] ^= 0x40;
        Files.write(corrupt, c);
        Path cut = tmp.resolve("cut.img");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length - 100));
        assertTrue(h.refused("restore", corrupt.toString()).contains("checksum error in record"));
        assertTrue(h.refused("restore", cut.toString()).contains("truncated"));
        String before = h.daemon.commandService().journal().toString();
        assertFalse(h.ok("list").out().contains("memcheck"), "no domain was created");
        assertEquals(before, h.daemon.commandService().journal().toString());
        // the good image still restores
        h.assertVerified(MemcheckHost.domid(h.ok("restore", image.toString()).out()), 2);
    }

    @Test
    void aGuestThatNeverSuspendsFailsTheSaveAndKeepsRunning() throws Exception {
        // xenstore=off: the guest never sees control/shutdown, so it never reaches its suspend point
        int domid = MemcheckHost.domid(h.ok("create", memcheckCfg("seed=3 dirty_rate=100 xenstore=off").toString()).out());
        Path image = tmp.resolve("never.img");
        String why = h.refused("save", "memcheck", image.toString(), "--timeout", "300");
        assertTrue(why.contains("did not reach its suspend point within 300 ms"), why);
        assertFalse(Files.exists(image));
        String list = h.ok("list").out();
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
            int domid = MemcheckHost.domid(h.ok("create", memcheckCfg("seed=5 dirty_rate=1000 tick_ms=50").toString()).out());
            h.assertVerified(domid, 1);
            Path image = mnt.resolve("full.img");
            String why = h.refused("save", "memcheck", image.toString());
            assertTrue(why.contains("cannot save memcheck") && why.contains("No space left on device")
                    && why.contains("it keeps running"), why);
            assertFalse(Files.exists(image), "the partial image is removed");
            // the same domain runs on: a second save to a roomy disk and a restore verify all memory
            Path good = tmp.resolve("after-full.img");
            h.ok("save", "memcheck", good.toString());
            h.assertVerified(MemcheckHost.domid(h.ok("restore", good.toString()).out()), 2);
        } finally {
            new ProcessBuilder("umount", mnt.toString()).redirectErrorStream(true).start().waitFor();
        }
    }
}
