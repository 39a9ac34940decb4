package dev.domus.dom0.console.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.xenstore.ring.Dom0CallException;
import dev.domus.dom0.xenstore.ring.GuestHarness;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console backend with real guests writing and reading their console rings. */
class ConsoleBackendTest {

    @TempDir
    Path dir;

    private GuestHarness h;

    @BeforeEach
    void start() {
        h = new GuestHarness(dir);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void everyByteOfOutputLargerThanTheRingArrivesInOrderAndInputReachesTheGuest() throws Exception {
        BuiltDomain d = h.boot(EchoGuest.class, "echo");
        String boot = h.awaitConsole(d.domid(), "ready\n");
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            expected.append(String.format("line %04d of the boot text%n", i));
        }
        expected.append("ready\n");
        assertEquals(expected.toString(), boot, () -> "console ended with: "
                + boot.substring(Math.max(0, boot.length() - 200)) + "; " + h.diagnostics());
        assertTrue(boot.length() > 4 * 2048);

        assertEquals(6, h.consoles.write(d.domid(), "hello\n".getBytes(StandardCharsets.US_ASCII)));
        String afterHello = h.awaitConsole(d.domid(), "echo: hello\n");
        assertTrue(afterHello.endsWith("echo: hello\n"), afterHello);
        h.consoles.write(d.domid(), "quit\n".getBytes(StandardCharsets.US_ASCII));
        String all = h.awaitConsole(d.domid(), "bye\n");
        assertTrue(all.endsWith("echo: quit\nbye\n"), all);

        ConsoleOutput out = h.consoles.output(d.domid());
        long mark = out.end();
        assertEquals(0, out.readFrom(mark).length);
        assertEquals("bye\n", new String(out.readFrom(mark - 4), StandardCharsets.US_ASCII));
        assertNull(out.error());
        assertEquals(all, Files.readString(dir.resolve("console-" + d.domid() + ".log")));

        h.consoles.detach(d.domid());
        assertTrue(out.isClosed());
        assertEquals(all, new String(h.consoles.output(d.domid()).snapshot(), StandardCharsets.UTF_8));
        assertThrows(IllegalStateException.class, () -> h.consoles.write(d.domid(), new byte[] {'x'}));
        h.consoles.forget(d.domid());
        assertNull(h.consoles.output(d.domid()));
    }

    @Test
    void guestThatCorruptsItsRingIsCutOffAndOthersAreNot() throws Exception {
        BuiltDomain bad = h.boot(HostileConsoleGuest.class, "hostile", "data/done");
        BuiltDomain good = h.boot(EchoGuest.class, "good");
        h.awaitWatch("/local/domain/" + bad.domid() + "/data/done");
        ConsoleOutput badOut = h.consoles.output(bad.domid());
        // Returns once the backend has given up on the ring (it closes the output then).
        badOut.awaitFrom(Long.MAX_VALUE, GuestHarness.GUARD_SECONDS * 1000);
        assertTrue(badOut.isClosed());
        assertNotNull(badOut.error(), "the backend should have flagged the ring");
        assertTrue(badOut.error().contains("out_prod - out_cons"), badOut.error());
        assertTrue(h.awaitConsole(good.domid(), "ready\n").endsWith("ready\n"));
        assertNull(h.consoles.output(good.domid()).error());
    }

    @Test
    void attachRefusesATwiceAttachedConsoleAndABadFrameLeavingNothingAttached() throws Exception {
        BuiltDomain d = new DomainBuilder(h.dom0).build(DomainSpec.of(EchoGuest.class.getName(), 2048, 1).paused(true));
        assertThrows(Dom0CallException.class, () -> h.consoles.attach(d.domid(), 1L << 40, d.consolePort()));
        assertFalse(h.consoles.isAttached(d.domid()));
        assertThrows(Dom0CallException.class, () -> h.consoles.attach(d.domid(), d.consolePfn(), 999));
        assertFalse(h.consoles.isAttached(d.domid()));
        h.consoles.attach(d.domid(), d.consolePfn(), d.consolePort());
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> h.consoles.attach(d.domid(), d.consolePfn(), d.consolePort()));
        assertTrue(twice.getMessage().contains("already attached"));
    }
}
