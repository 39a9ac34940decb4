package dev.domus.examples;

import static org.junit.jupiter.api.Assertions.*;

import dev.domus.abi.SchedOp;
import dev.domus.examples.burn.Burn;
import dev.domus.examples.memcheck.MemCheck;
import dev.domus.examples.pingpong.PingPong;
import dev.domus.sdk.host.TestHost;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sample guests booted on a real host (hypervisor and Dom0's builder; no xenstored, so
 * they run with {@code xenstore=off} and report on their consoles, which the test reads as
 * Dom0's console backend would).
 */
@Timeout(120)
class SamplesOnHostTest {

    private TestHost host;

    @BeforeEach
    void boot() {
        host = new TestHost(96L << 20, 1);
    }

    @AfterEach
    void stop() {
        host.close();
    }

    @Test
    void memcheckFillsRewritesAndVerifiesWithZeroErrors() throws Exception {
        TestHost.Guest g = host.start(MemCheck.class, 4096,
                "xenstore=off seed=7 pages=512 dirty_rate=20000 tick_ms=5 verify_every=4");
        String out = g.awaitOutput("memcheck: pass 3 ");
        assertTrue(out.contains("memcheck: generation 1, 512 pages verified, 0 errors"), out);
        for (int pass = 1; pass <= 3; pass++) {
            Matcher m = Pattern.compile("memcheck: pass " + pass + " after (\\d+) rewrites, 512 pages verified, 0 errors").matcher(out);
            assertTrue(m.find(), "pass " + pass + " missing or with errors:\n" + out);
            assertTrue(Long.parseLong(m.group(1)) >= 4L * pass * 100, "pages were rewritten between passes:\n" + out);
        }
        g.destroy();
    }

    @Test
    void theReadmeGuestTicksAndPowersOff() throws Exception {
        TestHost.Guest g = host.start(dev.domus.examples.hello.Hello.class, 1024, "xenstore=off ticks=3");
        assertEquals(SchedOp.SHUTDOWN_poweroff, g.awaitShutdown());
        String out = g.output();
        assertTrue(out.contains("hello from domain with 256 pages (first boot)"), out);
        assertTrue(out.contains("tick 3 at "), out);
        assertTrue(out.contains("bye after 3 ticks"), out);
    }

    @Test
    void burnRunsItsUnitsAndPowersOff() throws Exception {
        TestHost.Guest g = host.start(Burn.class, 1024, "xenstore=off units=3000000 report_every=1000000");
        assertEquals(SchedOp.SHUTDOWN_poweroff, g.awaitShutdown());
        assertTrue(g.output().contains("burn: 3000000 units done"), g.output());
    }

    @Test
    void pingpongGuestsCountRoundTripsThroughAGrantAndAnEventChannel() throws Exception {
        // A fresh host hands out domids 1, 2, ... in order: pong is 1 and grants to ping, 2.
        TestHost.Guest pong = host.start(PingPong.class, 2048, "xenstore=off role=pong peer=2");
        assertEquals(1, pong.domid());
        String served;
        try {
            served = pong.awaitOutput("pingpong: serving");
        } catch (AssertionError e) {
            Assumptions.assumeFalse(e.getMessage().contains("GNTTABOP_setup_table: XEN_ENOSYS"),
                    "the hypervisor has no grant tables yet");
            throw e;
        }
        Matcher m = Pattern.compile("serving gref=(\\d+) port=(\\d+)").matcher(served);
        assertTrue(m.find(), served);
        TestHost.Guest ping = host.start(PingPong.class, 2048, "xenstore=off role=ping peer=" + pong.domid()
                + " gref=" + m.group(1) + " port=" + m.group(2) + " rounds=300");
        assertEquals(2, ping.domid());
        String out = ping.awaitOutput("round trips");
        assertTrue(out.contains("pingpong: 300 round trips with domain " + pong.domid()), out);
        assertEquals(SchedOp.SHUTDOWN_poweroff, ping.awaitShutdown());
    }
}
