package dev.domus.hv.boot;

import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestKernel;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.abi.Xen;
import java.nio.charset.StandardCharsets;

/** Guests for the event channel, multicall and hostile-input tests. */
public final class GuestKernels2 {

    private GuestKernels2() {
    }

    static final long S = TestKernels.SCRATCH;
    /** Where the probes record their results: 8 bytes each, from here. */
    static final long RESULTS = S + 3 * 4096L;

    static String cmdline(VcpuContext v) {
        byte[] b = new byte[256];
        v.memory().getBytes(v.startInfoAddress() + 128, b, 0, b.length);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    static int arg(String cmdline, String key) {
        for (String kv : cmdline.split(" ")) {
            if (kv.startsWith(key + "=")) {
                return Integer.parseInt(kv.substring(key.length() + 1));
            }
        }
        throw new IllegalArgumentException("no " + key + " in " + cmdline);
    }

    /** Waits for {@code port} with Xen's 2-level protocol: clear upcall flag, test and clear the bit, block. */
    static void await(VcpuContext v, int port) {
        GuestMemory m = v.memory();
        long si = m.getLong(v.startInfoAddress() + 40);
        long word = si + 2048 + (port / 64) * 8L;
        long bit = 1L << (port % 64);
        while (true) {
            m.putByte(si, (byte) 0); // evtchn_upcall_pending of vcpu 0
            long w = m.getLongVolatile(word);
            if ((w & bit) != 0) {
                while (!m.compareAndSetLong(word, w, w & ~bit)) {
                    w = m.getLongVolatile(word);
                }
                return;
            }
            v.gate().call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_block, 0);
        }
    }

    static long send(VcpuContext v, int port) {
        v.memory().putInt(S, port);
        return v.gate().call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, S);
    }

    /** Answers {@code rounds} pings on the port named {@code port=} in its command line. */
    public static final class Pong implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            String c = cmdline(v);
            int port = arg(c, "port");
            int rounds = arg(c, "rounds");
            for (int i = 0; i < rounds; i++) {
                await(v, port);
                send(v, port);
            }
            TestKernels.console(v, "pong " + rounds + "\n");
            TestKernels.shutdown(v, SchedOp.SHUTDOWN_poweroff);
        }
    }

    /** Binds to domain {@code peer=}'s {@code port=}, then pings {@code rounds} times. */
    public static final class Ping implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            String c = cmdline(v);
            GuestMemory m = v.memory();
            m.putShort(S, (short) arg(c, "peer"));
            m.putInt(S + 4, arg(c, "port"));
            long rc = v.gate().call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_interdomain, S);
            if (rc != 0) {
                throw new IllegalStateException("bind_interdomain: " + rc);
            }
            int local = m.getInt(S + 8);
            await(v, local); // Xen raises the new local port on bind
            int rounds = arg(c, "rounds");
            for (int i = 0; i < rounds; i++) {
                send(v, local);
                await(v, local);
            }
            TestKernels.console(v, "ping " + rounds + "\n");
            TestKernels.shutdown(v, SchedOp.SHUTDOWN_poweroff);
        }
    }

    /**
     * Runs one multicall of four entries (xen_version; console_io from an address it does not
     * own; a nested multicall; an unknown op) and records the entries' results, then a batch
     * of hostile synchronous calls, each result at RESULTS + 8*i.
     */
    public static final class Hostile implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            GuestMemory m = v.memory();
            HypercallGate g = v.gate();
            long far = 1L << 40;
            long mc = S + 1024;
            m.setMemory(mc, 4 * 64, (byte) 0);
            m.putLong(mc, Hypercalls.__HYPERVISOR_xen_version);
            m.putLong(mc + 64, Hypercalls.__HYPERVISOR_console_io);
            m.putLong(mc + 64 + 16, 0);
            m.putLong(mc + 64 + 24, 16);
            m.putLong(mc + 64 + 32, far);
            m.putLong(mc + 128, Hypercalls.__HYPERVISOR_multicall);
            m.putLong(mc + 128 + 16, mc);
            m.putLong(mc + 128 + 24, 1);
            m.putLong(mc + 192, 63);
            long[] r = new long[16];
            r[0] = g.call(Hypercalls.__HYPERVISOR_multicall, mc, 4);
            for (int i = 0; i < 4; i++) {
                r[1 + i] = m.getLong(mc + 64L * i + 8);
            }
            r[5] = g.call(Hypercalls.__HYPERVISOR_domctl, S);                 // not Dom0
            r[6] = g.call(Hypercalls.__HYPERVISOR_sysctl, S);                 // not Dom0
            r[7] = g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, far);
            m.putInt(S, 4000);
            r[8] = g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, S);
            r[9] = g.call(Hypercalls.__HYPERVISOR_console_io, 0, -5, S);
            m.setMemory(S + 512, 32, (byte) 0);
            m.putLong(S + 512, S + 600);
            m.putLong(S + 520, Long.MAX_VALUE);
            m.putShort(S + 536, (short) Xen.DOMID_SELF);
            r[10] = g.call(Hypercalls.__HYPERVISOR_memory_op, 6, S + 512);     // huge nr_extents
            m.putShort(S + 536, (short) 0);
            r[11] = g.call(Hypercalls.__HYPERVISOR_memory_op, 6, S + 512);     // Dom0's memory
            r[12] = g.call(-1);
            r[13] = g.call(1000);
            m.putShort(S, (short) 0);
            m.putShort(S + 2, (short) 0);
            r[14] = g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_alloc_unbound, S);
            r[15] = g.call(Hypercalls.__HYPERVISOR_xen_version, 0);
            for (int i = 0; i < r.length; i++) {
                m.putLong(RESULTS + 8L * i, r[i]);
            }
            TestKernels.shutdown(v, SchedOp.SHUTDOWN_poweroff);
        }
    }
}
