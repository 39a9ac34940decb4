package dev.domus.sdk.host;

import static dev.domus.abi.XsWire.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SDK's xenstore client speaks xs_wire over the real ring page and event channel. */
@Timeout(120)
class XenStoreWireTest {

    private TestHost host;

    @BeforeEach
    void boot() {
        host = new TestHost(32L << 20, 1);
    }

    @AfterEach
    void stop() {
        host.close();
    }

    @Test
    void clientFramesRequestsRoutesWatchEventsRetriesTransactionsAndTimesOut() throws Exception {
        TestHost.Guest g = host.start(XenStoreChecks.class, 2048, "");
        XsScriptedPeer xs = new XsScriptedPeer(host, g);

        var boot = xs.expect(XS_WATCH, "control/shutdown\0sdk:control/shutdown\0");
        xs.reply(boot, XS_WATCH, "OK\0");
        xs.reply(xs.expect(XS_WRITE, "data/a\0" + "1"), XS_WRITE, "OK\0");
        xs.reply(xs.expect(XS_READ, "data/a\0"), XS_READ, "1");
        xs.reply(xs.expect(XS_READ, "data/missing\0"), XS_ERROR, "ENOENT\0");
        xs.reply(xs.expect(XS_DIRECTORY, "data\0"), XS_DIRECTORY, "a\0b\0");
        var watch = xs.expect(XS_WATCH, "data/w\0tok\0");
        xs.write(XS_WATCH_EVENT, 0, 0, "data/w\0tok\0");
        xs.reply(watch, XS_WATCH, "OK\0");

        for (int attempt = 1; attempt <= 2; attempt++) {
            xs.reply(xs.expect(XS_TRANSACTION_START, "\0"), XS_TRANSACTION_START, (6 + attempt) + "\0");
            var w = xs.expect(XS_WRITE, "data/t\0v" + attempt);
            assertEquals(6 + attempt, w.txId(), "the write carries the transaction id");
            xs.reply(w, XS_WRITE, "OK\0");
            var end = xs.expect(XS_TRANSACTION_END, "T\0");
            assertEquals(6 + attempt, end.txId());
            xs.reply(end, attempt == 1 ? XS_ERROR : XS_TRANSACTION_END, attempt == 1 ? "EAGAIN\0" : "OK\0");
        }

        var slow = xs.expect(XS_READ, "data/slow\0");
        var after = xs.expect(XS_READ, "data/after\0"); // sent only once the guest gave up on the slow one
        xs.reply(slow, XS_READ, "stale");
        xs.reply(after, XS_READ, "fresh");

        // A kernel that never collects its watch events: the SDK keeps a bounded number.
        xs.reply(xs.expect(XS_WATCH, "data/flood\0f\0"), XS_WATCH, "OK\0");
        var done = xs.expect(XS_READ, "data/flood-done\0");
        for (int i = 0; i < XenStoreChecks.FLOOD_EVENTS; i++) {
            xs.write(XS_WATCH_EVENT, 0, 0, "data/flood\0f\0");
        }
        xs.reply(done, XS_READ, "yes");

        String out = g.awaitOutput("DONE");
        assertEquals(List.of(), SdkOnHostTest.failures(out), out);
        assertEquals(8, out.split("PASS ").length - 1, out);
    }
}
