package dev.domus.hv.boot;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.abi.VcpuOp;
import dev.domus.abi.Virq;
import dev.domus.abi.Xen;

/** Guests for timers and the copy-once (no double fetch) test. */
public final class GuestKernels3 {

    private GuestKernels3() {
    }

    static final long S = TestKernels.SCRATCH;
    static final long OUT = GuestKernels2.RESULTS;

    static long systemTime(VcpuContext v) {
        GuestMemory m = v.memory();
        long si = m.getLong(v.startInfoAddress() + 40);
        long t = si + v.vcpuId() * 64L + 32;
        while (true) {
            int ver = m.getIntVolatile(t);
            long time = m.getLongVolatile(t + 16);
            long stamp = m.getLong(t + 8);
            int mul = m.getInt(t + 24);
            int shift = m.getByte(t + 28);
            long tsc = v.readTsc();
            if ((ver & 1) == 0 && m.getIntVolatile(t) == ver) {
                return dev.domus.abi.PvClock.systemTime(tsc, stamp, time, mul, shift);
            }
        }
    }

    /** Binds VIRQ_TIMER, sets a timer 5 ms ahead, blocks until it fires; records times and errors. */
    public static final class TimerGuest implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            GuestMemory m = v.memory();
            HypercallGate g = v.gate();
            m.putInt(S, Virq.VIRQ_TIMER);
            m.putInt(S + 4, 0);
            if (g.call(Hypercalls.__HYPERVISOR_event_channel_op, dev.domus.abi.EventChannelOp.EVTCHNOP_bind_virq, S) != 0) {
                throw new IllegalStateException("bind_virq");
            }
            int port = m.getInt(S + 8);
            long now = systemTime(v);
            long deadline = now + 5_000_000L;
            m.putLong(OUT, now);
            m.putLong(OUT + 8, g.call(Hypercalls.__HYPERVISOR_set_timer_op, deadline));
            GuestKernels2.await(v, port);
            m.putLong(OUT + 16, systemTime(v) - deadline);
            // A single-shot timer "in the future" whose deadline has passed is refused.
            m.putLong(S + 64, 1);
            m.putInt(S + 72, VcpuOp.VCPU_SSHOTTMR_future);
            m.putLong(OUT + 24, g.call(Hypercalls.__HYPERVISOR_vcpu_op, VcpuOp.VCPUOP_set_singleshot_timer, 0, S + 64));
            m.putLong(OUT + 32, g.call(Hypercalls.__HYPERVISOR_vcpu_op, VcpuOp.VCPUOP_set_singleshot_timer, 5, S + 64));
            TestKernels.shutdown(v, SchedOp.SHUTDOWN_poweroff);
        }
    }

    /**
     * Two vCPUs race on one xen_memory_reservation: vCPU 1 keeps flipping its domid between
     * DOMID_SELF and 0 (Dom0); vCPU 0 keeps calling populate_physmap then
     * decrease_reservation with it. A hypervisor that checked one fetch and acted on another
     * would populate Dom0. Records: [0] populated, [1] refused with EPERM, [2] anything else,
     * [3] flips done while vCPU 0 ran.
     */
    public static final class DoubleFetch implements GuestKernel {
        static final int ROUNDS = 20_000;
        static final long RES = S + 512;
        static final long FLAG = S + 256;

        @Override
        public void start(VcpuContext v) {
            GuestMemory m = v.memory();
            HypercallGate g = v.gate();
            if (v.vcpuId() == 1) {
                long flips = 0;
                while (m.getLongVolatile(FLAG) == 0) {
                    Thread.onSpinWait();
                }
                while (m.getLongVolatile(FLAG) == 1) {
                    m.putShort(RES + 24, (short) ((flips & 1) == 0 ? 0 : Xen.DOMID_SELF));
                    flips++;
                    if ((flips & 1023) == 0) {
                        g.call(Hypercalls.__HYPERVISOR_xen_version, 0); // a safepoint now and then
                    }
                }
                m.putLong(OUT + 24, flips);
                m.putLongVolatile(FLAG, 3);
                while (true) {
                    g.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_block, 0);
                }
            }
            long pfn = 200;
            m.putLong(S + 1024, pfn);
            m.setMemory(RES, 32, (byte) 0);
            m.putLong(RES, S + 1024);
            m.putLong(RES + 8, 1);
            m.putShort(RES + 24, (short) Xen.DOMID_SELF);
            long rel = S + 2048; // a private reservation for giving the page back
            m.setMemory(rel, 32, (byte) 0);
            m.putLong(rel, S + 1024);
            m.putLong(rel + 8, 1);
            m.putShort(rel + 24, (short) Xen.DOMID_SELF);
            long ok = 0;
            long eperm = 0;
            long other = 0;
            m.putLongVolatile(FLAG, 1);
            for (int i = 0; i < ROUNDS; i++) {
                long rc = g.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_populate_physmap, RES);
                if (rc == 1) {
                    ok++;
                    g.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_decrease_reservation, rel);
                } else if (rc == -dev.domus.abi.XenErrno.XEN_EPERM) {
                    eperm++;
                } else {
                    other++;
                }
            }
            m.putLongVolatile(FLAG, 2);
            while (m.getLongVolatile(FLAG) != 3) {
                g.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_yield, 0);
            }
            m.putLong(OUT, ok);
            m.putLong(OUT + 8, eperm);
            m.putLong(OUT + 16, other);
            TestKernels.shutdown(v, SchedOp.SHUTDOWN_poweroff);
        }
    }

    /**
     * Sleeps in short SCHEDOP_poll waits on VIRQ_TIMER forever, counting wake-ups at OUT, so a
     * test can pause and unpause it while it is blocked in poll and see it come back.
     */
    public static final class PollSleeper implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            GuestMemory m = v.memory();
            HypercallGate g = v.gate();
            m.putInt(S, Virq.VIRQ_TIMER);
            m.putInt(S + 4, 0);
            if (g.call(Hypercalls.__HYPERVISOR_event_channel_op, dev.domus.abi.EventChannelOp.EVTCHNOP_bind_virq, S) != 0) {
                throw new IllegalStateException("bind_virq");
            }
            int port = m.getInt(S + 8);
            long si = m.getLong(v.startInfoAddress() + 40);
            long word = si + 2048 + (port / 64) * 8L;
            long bit = 1L << (port % 64);
            m.putInt(S + 128, port);
            for (long n = 1; ; n++) {
                long deadline = systemTime(v) + 200_000L;
                g.call(Hypercalls.__HYPERVISOR_set_timer_op, deadline);
                m.putLong(S + 64, S + 128); // sched_poll.ports
                m.putInt(S + 72, 1); // nr_ports
                m.putLong(S + 80, deadline + 1_000_000L); // timeout
                long rc = g.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, S + 64);
                if (rc != 0) {
                    throw new IllegalStateException("poll " + rc);
                }
                long w = m.getLongVolatile(word);
                while ((w & bit) != 0 && !m.compareAndSetLong(word, w, w & ~bit)) {
                    w = m.getLongVolatile(word);
                }
                m.putLongVolatile(OUT, n);
            }
        }
    }
}
