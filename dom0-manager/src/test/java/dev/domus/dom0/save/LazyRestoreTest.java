package dev.domus.dom0.save;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.MemcheckHost;
import dev.domus.dom0.control.wire.ControlClient;
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

    private MemcheckHost h;

    @BeforeEach
    void startHost() throws Exception {
        h = MemcheckHost.start(tmp, 256);
    }

    @AfterEach
    void stopHost() throws InterruptedException {
        h.close();
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
                new ControlClient(h.home).call("follow-" + System.nanoTime(), "events", List.of("--follow", "--json"),
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
                throw new AssertionError("no event with " + List.of(parts) + "; " + h.diagnostics());
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

    private Path memcheckCfg(String extra) throws Exception {
        return h.memcheckCfg("memcheck", 8, extra);
    }

    private Path memcheckCfg(String name, String extra) throws Exception {
        return h.memcheckCfg(name, 8, extra);
    }

    @Test
    void lazyRestoreRunsFirstThenMemcheckVerifiesEveryPage() throws Exception {
        int domid = MemcheckHost.domid(h.ok("create", memcheckCfg("seed=7 dirty_rate=1000 tick_ms=50").toString()).out());
        h.assertVerified(domid, 1);
        Path image = tmp.resolve("memcheck.img");
        h.ok("save", "memcheck", image.toString());
        followEvents();
        String json = h.ok("restore", image.toString(), "--lazy", "--json").out().trim();
        Matcher j = Pattern.compile("\\{\"domid\":(\\d+),\"name\":\"memcheck\",.*\"lazy\":true,\"paused\":false,"
                + "\"running_ms\":([0-9.]+),\"pages\":2048}").matcher(json);
        assertTrue(j.matches(), json);
        domid = Integer.parseInt(j.group(1));
        h.assertVerified(domid, 2);
        String loaded = awaitEvent("\"restored\"", "fully loaded after");
        Matcher pages = Pattern.compile("(\\d+) pages by the background reader, (\\d+) on the guest's first touch")
                .matcher(loaded);
        assertTrue(pages.find(), loaded);
        // 8 MiB is 2048 pages: all but the four special frames came from the image, after the guest ran
        assertEquals(2044, Long.parseLong(pages.group(1)) + Long.parseLong(pages.group(2)), loaded);
        assertTrue(h.ok("list").out().contains("memcheck"));
        // fully loaded, it saves and restores like any other domain
        Path again = tmp.resolve("memcheck-again.img");
        h.ok("save", "memcheck", again.toString());
        h.assertVerified(MemcheckHost.domid(h.ok("restore", again.toString()).out()), 3);
    }

    @Test
    void aCorruptPageRecordFoundAfterTheDomainRunsDestroysItAndNothingElse() throws Exception {
        int other = MemcheckHost.domid(h.ok("create", memcheckCfg("bystander", "seed=11 dirty_rate=100 tick_ms=50").toString()).out());
        int domid = MemcheckHost.domid(h.ok("create", memcheckCfg("seed=7 dirty_rate=100 tick_ms=50").toString()).out());
        h.assertVerified(other, 1);
        h.assertVerified(domid, 1);
        Path image = tmp.resolve("memcheck.img");
        h.ok("save", "memcheck", image.toString());
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
        String restored = h.ok("restore", corrupt.toString(), "--lazy").out();
        assertTrue(restored.contains("lazily: running after"), restored);
        int lazyDomid = MemcheckHost.domid(restored);
        String destroyed = awaitEvent("\"destroyed\"", "\"domid\":" + lazyDomid + ",");
        assertTrue(destroyed.contains("checksum error in the PAGE_DATA record at byte " + index.recordAt(last)), destroyed);
        String list = h.ok("list").out();
        assertFalse(list.matches("(?s).*\\bmemcheck\\b.*"), list);
        assertTrue(list.contains("bystander"), list);
        // the bystander runs on, its memory intact: a save and restore round verifies all of it
        Path good = tmp.resolve("bystander.img");
        h.ok("save", "bystander", good.toString());
        h.assertVerified(MemcheckHost.domid(h.ok("restore", good.toString()).out()), 2);
    }
}
