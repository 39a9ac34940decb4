package dev.domus.sdk.host;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SDK inside real guests on a real host: every check runs in the guest and reports on its console. */
@Timeout(120)
class SdkOnHostTest {

    private TestHost host;

    @BeforeEach
    void boot() {
        host = new TestHost(64L << 20, 1);
    }

    @AfterEach
    void stop() {
        host.close();
    }

    static List<String> failures(String console) {
        List<String> f = new ArrayList<>();
        for (String line : console.split("\n")) {
            if (line.startsWith("FAIL")) {
                f.add(line);
            }
        }
        return f;
    }

    @Test
    void coreFeaturesWorkInsideAGuest() throws Exception {
        TestHost.Guest g = host.start(CoreChecks.class, 4096, "xenstore=off");
        String out = g.awaitOutput("DONE");
        assertEquals(List.of(), failures(out), out);
        for (String name : new String[] {"version", "multicall-results-per-entry", "event-ipi-roundtrip",
                "wait-ends-when-the-ports-handler-took-the-event", "closed-port-send-fails", "closed-port-wait-fails-not-hangs", "clock-and-sleep",
                "console-oversize-write-refused", "balloon-inflate-deflate"}) {
            assertTrue(out.contains("PASS " + name + "\n"), name + " did not pass:\n" + out);
        }
        assertTrue(out.contains("formatted 42 ok"), out);
    }

    @Test
    void asyncHypercallsCompleteThroughTheRing() throws Exception {
        TestHost.Guest g = host.start(AsyncChecks.class, 2048, "xenstore=off");
        String out = g.awaitOutput("DONE");
        org.junit.jupiter.api.Assumptions.assumeFalse(out.contains("SKIP async"), "hypervisor has no async ring yet: " + out);
        assertEquals(List.of(), failures(out), out);
        assertTrue(out.contains("PASS async-hypercalls\n"), out);
        assertTrue(out.contains("PASS async-many-in-order\n"), out);
    }

    @Test
    void suspendRunsTheHookAndACancelledSuspendResumesTheGuest() throws Exception {
        TestHost.Guest g = host.start(SuspendChecks.class, 2048, "xenstore=off");
        String out = g.awaitOutput("suspend hook ran with counter 41");
        assertEquals(dev.domus.abi.SchedOp.SHUTDOWN_suspend, g.awaitShutdown(), out);
        g.resumeFromSuspend();
        out = g.awaitOutput("DONE");
        assertEquals(List.of(), failures(out), out);
        assertTrue(out.contains("PASS suspend-cancel-resume\n"), out);
    }
}
