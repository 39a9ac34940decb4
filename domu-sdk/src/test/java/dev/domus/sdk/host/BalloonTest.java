package dev.domus.sdk.host;

import static dev.domus.abi.XsWire.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The balloon driver follows memory/target in xenstore: down by decrease_reservation, up again by populate_physmap. */
@Timeout(120)
class BalloonTest {

    private TestHost host;

    @BeforeEach
    void boot() {
        host = new TestHost(32L << 20, 1);
    }

    @AfterEach
    void stop() {
        host.close();
    }

    private static void setTarget(XsScriptedPeer xs, long kib) {
        xs.write(XS_WATCH_EVENT, 0, 0, "memory/target\0sdk:memory/target\0");
        xs.reply(xs.expect(XS_READ, "memory/target\0"), XS_READ, Long.toString(kib));
    }

    @Test
    void balloonGivesPagesBackAndTakesThemAgainAsTheTargetMoves() throws Exception {
        TestHost.Guest g = host.start(BalloonKernel.class, 4096, "");
        XsScriptedPeer xs = new XsScriptedPeer(host, g);
        xs.reply(xs.expect(XS_WATCH, "control/shutdown\0sdk:control/shutdown\0"), XS_WATCH, "OK\0");
        xs.reply(xs.expect(XS_WATCH, "memory/target\0sdk:memory/target\0"), XS_WATCH, "OK\0");
        g.awaitOutput("READY");

        setTarget(xs, 3072); // 1024 pages -> 768
        assertTrue(g.awaitOutput("BALLOONED 256 ").contains("BALLOONED 256 reservation 768\n"), g.output());
        assertEquals(768, g.totPages(), "the hypervisor took the pages back");

        setTarget(xs, 4096);
        assertTrue(g.awaitOutput("BALLOONED 0 ").contains("BALLOONED 0 reservation 1024\n"), g.output());
        assertEquals(1024, g.totPages());
        g.destroy();
    }
}
