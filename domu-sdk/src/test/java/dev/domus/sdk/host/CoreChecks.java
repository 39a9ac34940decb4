package dev.domus.sdk.host;

import static dev.domus.abi.Hypercalls.*;

import dev.domus.abi.XenErrno;
import dev.domus.abi.XenVersion;
import dev.domus.sdk.console.Console;
import dev.domus.sdk.event.EventChannels;
import dev.domus.sdk.hypercall.Completion;
import dev.domus.sdk.hypercall.Hypervisor;
import dev.domus.sdk.hypercall.MulticallBuilder;
import dev.domus.sdk.mem.GuestHashMap;
import dev.domus.sdk.mem.GuestLog;

/** The SDK's core features, exercised inside a guest on a real host. */
public final class CoreChecks extends CheckKernel {

    @Override
    protected void checks() {
        Hypervisor hv = domu.hypervisor();
        EventChannels ev = domu.events();

        check("version", () -> expect(hv.xenVersion() == (4 << 16 | 17), "xen_version " + Integer.toHexString(hv.xenVersion())));

        check("multicall-results-per-entry", () -> {
            MulticallBuilder mc = domu.multicall(8);
            mc.add(__HYPERVISOR_xen_version, XenVersion.XENVER_version)
              .add(__HYPERVISOR_arch_7)
              .add(__HYPERVISOR_xen_version, XenVersion.XENVER_version);
            mc.submit();
            expect(mc.check(0) == (4 << 16 | 17), "entry 0: " + mc.result(0));
            expect(mc.result(1) < 0, "entry 1 (no such hypercall) should fail alone: " + mc.result(1));
            expect(mc.check(2) == (4 << 16 | 17), "entry 2 ran after the failed one: " + mc.result(2));
            expectXen((int) -mc.result(1), () -> mc.check(1), "multicall entry 1");
        });

        check("multicall-full-batch", () -> {
            MulticallBuilder mc = domu.multicall(2);
            mc.add(__HYPERVISOR_xen_version).add(__HYPERVISOR_xen_version);
            expectXen(XenErrno.XEN_E2BIG, () -> mc.add(__HYPERVISOR_xen_version), "batch holds 2");
        });

        check("event-ipi-roundtrip", () -> {
            int port = ev.bindIpi(0);
            ev.send(port);
            expect(ev.waitFor(port, domu.now() + 5_000_000_000L), "IPI event did not arrive");
            expect(!ev.isPending(port), "waitFor consumes the event");
            ev.close(port);
        });

        check("event-handler-dispatch", () -> {
            int port = ev.bindIpi(0);
            int[] seen = {0};
            ev.onEvent(port, p -> seen[0]++);
            ev.send(port);
            expect(ev.waitForAny(domu.now() + 5_000_000_000L) == 1, "handler did not run");
            expect(seen[0] == 1, "handler ran " + seen[0] + " times");
            ev.close(port);
        });

        check("wait-ends-when-the-ports-handler-took-the-event", () -> {
            // The awaited port has a handler, and its event arrives while waitFor dispatches:
            // a lower port's handler (dispatched first: another pending word) raises it. The
            // handler takes the event; the wait must end then, not sleep on to its deadline.
            int[] ports = new int[80];
            int n = 0;
            int high;
            do {
                high = ports[n++] = ev.bindIpi(0);
            } while (high < 64);
            int low = ports[0];
            int target = high;
            int[] seen = {0};
            ev.onEvent(high, p -> seen[0]++);
            ev.onEvent(low, p -> ev.send(target));
            ev.send(low);
            boolean came = ev.waitFor(high, domu.now() + 2_000_000_000L);
            expect(seen[0] == 1, "the awaited port's handler ran " + seen[0] + " times");
            expect(came, "waitFor missed an event its port's handler took");
            for (int i = 0; i < n; i++) {
                ev.close(ports[i]);
            }
        });

        check("closed-port-send-fails", () -> {
            int port = ev.bindIpi(0);
            ev.close(port);
            expectXen(XenErrno.XEN_EINVAL, () -> ev.send(port), "EVTCHNOP_send(port " + port + ")");
        });

        check("closed-port-wait-fails-not-hangs", () -> {
            int port = ev.bindIpi(0);
            ev.close(port);
            expectXen(XenErrno.XEN_EINVAL, () -> ev.waitFor(port), "not bound", "port " + port);
        });

        check("clock-and-sleep", () -> {
            long t0 = domu.now();
            domu.timers().sleep(3_000_000L);
            long t1 = domu.now();
            expect(t1 - t0 >= 3_000_000L, "slept only " + (t1 - t0) + " ns of system time");
        });

        check("console-oversize-write-refused", () -> expectXen(XenErrno.XEN_EMSGSIZE,
                () -> domu.console().print("x".repeat(Console.MAX_WRITE + 1)), "exceeds the 2048-byte console ring"));

        check("printf", () -> domu.printf("formatted %d %s%n", 42, "ok"));

        check("memory-structures-on-guest-memory", () -> {
            GuestHashMap map = domu.map("check");
            for (int i = 0; i < 300; i++) {
                map.put("key" + i, "value" + i);
            }
            expect("value123".equals(map.get("key123")), "map lookup");
            expect(map.size() == 300, "map size " + map.size());
            GuestLog log = domu.log("check", 8192);
            long seq = log.append("entry");
            expect(seq == 1, "first log seq " + seq);
        });

        check("balloon-inflate-deflate", () -> {
            long before = hv.currentReservation();
            long got = domu.balloon().inflate(16);
            expect(got == 16, "inflated " + got);
            expect(hv.currentReservation() == before - 16, "reservation after inflate " + hv.currentReservation());
            long back = domu.balloon().deflate(16);
            expect(back == 16, "deflated " + back);
            expect(hv.currentReservation() == before, "reservation after deflate " + hv.currentReservation());
        });
    }
}
