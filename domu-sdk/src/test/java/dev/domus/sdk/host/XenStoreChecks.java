package dev.domus.sdk.host;

import dev.domus.abi.XenErrno;
import dev.domus.sdk.xenstore.WatchEvent;
import dev.domus.sdk.xenstore.XenStore;
import java.util.List;

/** The xenstore client inside a guest, against the scripted Dom0 peer of {@code XenStoreWireTest}. */
public final class XenStoreChecks extends CheckKernel {

    /** Watch events the peer floods a kernel with that never collects them: more than the SDK keeps. */
    static final int FLOOD_EVENTS = XenStore.MAX_QUEUED_WATCH_EVENTS + 76;

    @Override
    protected void checks() {
        XenStore xs = domu.xenstore();
        check("write-read", () -> {
            xs.write("data/a", "1");
            expect("1".equals(xs.read("data/a")), "read back");
        });
        check("missing-node-is-enoent", () -> expectXen(XenErrno.XEN_ENOENT, () -> xs.read("data/missing"),
                "XS_READ data/missing", "ENOENT"));
        check("directory", () -> {
            List<String> d = xs.directory("data");
            expect(d.equals(List.of("a", "b")), "directory " + d);
        });
        check("watch-event-interleaved-with-reply", () -> {
            xs.watch("data/w", "tok");
            WatchEvent e = xs.pollWatch();
            expect(e != null && e.path().equals("data/w") && e.token().equals("tok"), "event " + e);
        });
        check("transaction-retried-on-eagain", () -> {
            int[] attempts = {0};
            String r = xs.transaction(tx -> {
                attempts[0]++;
                xs.write(tx, "data/t", "v" + attempts[0]);
                return "done";
            });
            expect("done".equals(r) && attempts[0] == 2, "attempts " + attempts[0]);
        });
        check("timeout-names-the-request-and-stale-reply-ignored", () -> {
            xs.timeoutNs(50_000_000L);
            expectXen(XenErrno.XEN_ETIMEDOUT, () -> xs.read("data/slow"), "XS_READ data/slow", "did not answer");
            xs.timeoutNs(30_000_000_000L);
            expect("fresh".equals(xs.read("data/after")), "got a stale reply");
        });
        check("oversize-payload-refused", () -> expectXen(XenErrno.XEN_E2BIG,
                () -> xs.write("data/big", "x".repeat(5000)), "XENSTORE_PAYLOAD_MAX"));
        check("uncollected-watch-events-are-bounded", () -> {
            xs.watch("data/flood", "f");
            expect("yes".equals(xs.read("data/flood-done")), "flood reply"); // the events arrive first
            int queued = 0;
            while (xs.pollWatch() != null) {
                queued++;
            }
            expect(queued == XenStore.MAX_QUEUED_WATCH_EVENTS, "queued " + queued);
            expect(xs.droppedWatchEvents() == XenStoreChecks.FLOOD_EVENTS - queued, "dropped " + xs.droppedWatchEvents());
        });
    }
}
