package dev.domus.dom0.xenstore.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.XsWire;
import dev.domus.dom0.console.backend.ConsoleBackend;
import dev.domus.dom0.console.backend.ConsoleOutput;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.dom0.xenstore.XsPermission;
import dev.domus.dom0.xenstore.Xenstored;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.Dom0;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real guests on a real host reach xenstored through their xenstore ring page and write to
 * the console backend through their console ring; Dom0's side goes only through Dom0's gate.
 */
class GuestRingTest {

    @TempDir
    Path dir;

    private GuestHarness h;
    private Dom0 dom0;
    private Xenstored xenstored;
    private ConsoleBackend consoles;
    private XsClient tools;

    @BeforeEach
    void start() {
        h = new GuestHarness(dir);
        dom0 = h.dom0;
        xenstored = h.xenstored;
        consoles = h.consoles;
        tools = h.tools;
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private BuiltDomain boot(Class<?> kernel, String name, String... watched) throws Exception {
        return h.boot(kernel, name, watched);
    }

    private void awaitWatch(String path) throws InterruptedException {
        h.awaitWatch(path);
    }

    private String awaitConsole(ConsoleOutput out, String text) throws InterruptedException {
        return h.awaitConsole(out.domid(), text);
    }

    @Test
    void guestUsesXenstoreThroughItsRingWithAGuestsPermissions() throws Exception {
        tools.write("/local/domain/0/secret", "dom0 only");
        BuiltDomain d = boot(RingTestGuest.class, "vm-one", "data/denied", "data/hello");
        String home = "/local/domain/" + d.domid();
        assertTrue(xenstored.isDomainIntroduced(d.domid()));
        awaitWatch(home + "/data/denied");
        assertEquals("yes", tools.read(home + "/data/big-ok"));
        assertEquals(1500, tools.read(home + "/data/big").length());
        assertEquals("XEN_EACCES", tools.read(home + "/data/denied"));
        assertEquals(d.domid(), tools.getPerms(home + "/data/big").get(0).domid());

        // Dom0 -> guest: a watch event travels down the rsp ring and wakes the guest.
        tools.write(home + "/data/go", "1");
        awaitWatch(home + "/data/hello");
        assertEquals("world from vm-one", tools.read(home + "/data/hello"));

        ConsoleOutput out = consoles.output(d.domid());
        String text = awaitConsole(out, "bye from vm-one");
        assertTrue(text.contains("hello from vm-one\n"), text);
        assertTrue(text.contains("bye from vm-one\n"), text);
        assertEquals(text, Files.readString(dir.resolve("console-" + d.domid() + ".log")));

        xenstored.releaseDomain(d.domid());
        assertFalse(xenstored.isDomainIntroduced(d.domid()));
        assertEquals(1, xenstored.connectionCount()); // only the tools' connection is left
        consoles.detach(d.domid());
        assertTrue(out.isClosed());
        assertFalse(consoles.isAttached(d.domid()));
    }

    @Test
    void guestMessagesLargerThanTheRingTravelInPieces() throws Exception {
        BuiltDomain d = boot(LargeMessageGuest.class, "large", "data/large/done");
        String home = "/local/domain/" + d.domid() + "/data/large/";
        tools.write(home + "from-dom0", LargeMessageGuest.pattern(3000, 'a'));
        for (int i = 0; i < LargeMessageGuest.CHILDREN; i++) {
            tools.write(home + "dir/" + LargeMessageGuest.child(i), "");
        }
        tools.write(home + "ready", "1");
        awaitWatch(home + "done");
        // replies of 3000 bytes and of a 3-KiB listing reached the guest whole
        assertEquals("same", tools.read(home + "from-dom0-read"), h.diagnostics());
        assertEquals("all " + LargeMessageGuest.CHILDREN, tools.read(home + "dir-listed"));
        // its 2000-byte request reached xenstored whole, and came back whole, around a watch event
        assertEquals(LargeMessageGuest.pattern(2000, 'A'), tools.read(home + "mine"));
        assertEquals("same", tools.read(home + "mine-read"));
        assertEquals("2", tools.read(home + "mine-events"), "the watch's first fire and the write's");
        assertEquals("XEN_E2BIG", tools.read(home + "too-big-refused"));
        assertFalse(tools.directory(home.substring(0, home.length() - 1)).contains("too-big"));
    }

    @Test
    void twoGuestsCannotSeeEachOther() throws Exception {
        BuiltDomain a = boot(RingTestGuest.class, "alpha", "data/denied");
        awaitWatch("/local/domain/" + a.domid() + "/data/denied");
        BuiltDomain b = boot(RingTestGuest.class, "beta", "data/denied");
        awaitWatch("/local/domain/" + b.domid() + "/data/denied");
        assertEquals("XEN_EACCES", tools.read("/local/domain/" + b.domid() + "/data/denied"));
        assertEquals("alpha", tools.read("/local/domain/" + a.domid() + "/name"));
        assertEquals("beta", tools.read("/local/domain/" + b.domid() + "/name"));
        assertEquals(3, xenstored.connectionCount());
        XsClient asA = XsClient.connect(xenstored, a.domid());
        assertEquals("EACCES", assertThrows(XsError.class, () -> asA.read("/local/domain/" + b.domid() + "/name")).errorName());
    }

    @Test
    void guestThatBreaksTheRingLosesOnlyItsOwnConnection() throws Exception {
        BuiltDomain bad = boot(HostileRingGuest.class, "hostile", "data/ready");
        String home = "/local/domain/" + bad.domid();
        awaitWatch(home + "/data/ready");
        // The guest corrupts req_prod right after this write: wait until the daemon drops it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GuestHarness.GUARD_SECONDS);
        while (xenstored.connectionCount() > 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(1, xenstored.connectionCount());
        try (Dom0Calls calls = new Dom0Calls(dom0)) {
            long page = calls.mapForeign(bad.domid(), bad.storePfn());
            try {
                assertEquals(XsWire.XENSTORE_ERROR_RINGIDX, dom0.memory().getInt(page + XsRingTransport.ERROR_OFFSET));
                assertEquals(XsWire.XENSTORE_SERVER_FEATURE_ERROR,
                        dom0.memory().getInt(page + XsRingTransport.SERVER_FEATURES_OFFSET));
            } finally {
                calls.unmapForeign(page);
            }
        }
        tools.write("/tool/still-serving", "yes");
        assertEquals("yes", tools.read("/tool/still-serving"));
        xenstored.releaseDomain(bad.domid());
    }

    @Test
    void hostGoingDownFirstStillLetsTheBackendsStop() throws Exception {
        BuiltDomain d = boot(RingTestGuest.class, "doomed", "data/denied");
        awaitWatch("/local/domain/" + d.domid() + "/data/denied");
        h.host.close();
        // Their threads were parked in SCHEDOP_poll on a host that is now gone: both must still end.
        consoles.close();
        xenstored.close();
        assertEquals(0, xenstored.connectionCount());
        assertFalse(consoles.isAttached(d.domid()));
        assertTrue(consoles.output(d.domid()).isClosed());
    }

    @Test
    void introducingAFrameTheGuestDoesNotHaveIsRefusedAndIntroducesNothing() throws Exception {
        BuiltDomain d = new DomainBuilder(dom0).build(DomainSpec.of(RingTestGuest.class.getName(), 2048, 1).paused(true));
        XsError e = assertThrows(XsError.class, () -> tools.introduce(d.domid(), 1L << 40, d.storePort()));
        assertEquals("EINVAL", e.errorName());
        assertFalse(xenstored.isDomainIntroduced(d.domid()));
        assertEquals("EINVAL", assertThrows(XsError.class, () -> tools.introduce(d.domid(), d.storePfn(), 999)).errorName());
        assertFalse(xenstored.isDomainIntroduced(d.domid()));
        tools.introduce(d.domid(), d.storePfn(), d.storePort());
        assertTrue(xenstored.isDomainIntroduced(d.domid()));
    }
}
