package dev.domus.sdk.host;

import static dev.domus.abi.XsWire.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.domus.abi.SchedOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A kernel's life driven through xenstore as the toolstack drives it: {@code control/shutdown
 * = suspend} runs the suspend hook at a clean point and suspends the domain (resumed here by
 * XEN_DOMCTL_resumedomain, a cancelled suspend); {@code poweroff} shuts it down.
 */
@Timeout(120)
class LifecycleTest {

    private TestHost host;

    @BeforeEach
    void boot() {
        host = new TestHost(32L << 20, 1);
    }

    @AfterEach
    void stop() {
        host.close();
    }

    private static void requestShutdown(XsScriptedPeer xs, String what) {
        xs.write(XS_WATCH_EVENT, 0, 0, "control/shutdown\0sdk:control/shutdown\0");
        xs.reply(xs.expect(XS_READ, "control/shutdown\0"), XS_READ, what);
        xs.reply(xs.expect(XS_WRITE, "control/shutdown\0"), XS_WRITE, "OK\0");
    }

    @Test
    void controlShutdownSuspendsAtACleanPointThenPoweroffEndsTheDomain() throws Exception {
        TestHost.Guest g = host.start(LifecycleKernel.class, 2048, "");
        XsScriptedPeer xs = new XsScriptedPeer(host, g);
        xs.reply(xs.expect(XS_WATCH, "control/shutdown\0sdk:control/shutdown\0"), XS_WATCH, "OK\0");
        g.awaitOutput("READY");

        requestShutdown(xs, "suspend");
        assertEquals(SchedOp.SHUTDOWN_suspend, g.awaitShutdown());
        assertTrue(g.output().contains("SUSPEND HOOK"), g.output());

        g.resumeFromSuspend();
        String out = g.awaitOutput("RESUMED loops=");
        assertTrue(out.matches("(?s).*RESUMED loops=\\d+\n.*"), out);

        requestShutdown(xs, "poweroff");
        assertEquals(SchedOp.SHUTDOWN_poweroff, g.awaitShutdown());
    }
}
