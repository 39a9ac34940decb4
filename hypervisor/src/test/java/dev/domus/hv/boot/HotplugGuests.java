package dev.domus.hv.boot;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.abi.VcpuOp;

/** Guests that bring their own vCPUs down and up with VCPUOP_down/up/is_up (VcpuHotplugTest). */
public final class HotplugGuests {

    private HotplugGuests() {
    }

    static final long S = TestKernels.SCRATCH + 1024;
    /** vCPU 1's loop counter. */
    static final long COUNTER = S;
    /** vCPU 0's progress: 1 = vCPU 1 is down and stopped, 2 = done. */
    static final long PHASE = S + 8;
    /** Written by the test: vCPU 0 may go on and bring vCPU 1 back. */
    static final long GO = S + 16;
    static final long RUNSTATE = S + 64;
    /** Results, 8 bytes each. */
    static final long OUT = S + 256;

    static long vcpuOp(HypercallGate g, int cmd, long vcpu) {
        return g.call(Hypercalls.__HYPERVISOR_vcpu_op, cmd, vcpu, 0);
    }

    static int runstate(VcpuContext v, int vcpu) {
        v.gate().call(Hypercalls.__HYPERVISOR_vcpu_op, VcpuOp.VCPUOP_get_runstate_info, vcpu, RUNSTATE);
        return v.memory().getInt(RUNSTATE);
    }

    static void schedYield(HypercallGate g) {
        g.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_yield, 0);
    }

    /**
     * Two vCPUs. vCPU 1 counts. vCPU 0 brings it down, waits until it has stopped, reports,
     * waits for the test's GO, checks that it stayed stopped, tries vCPUs beyond its max,
     * brings vCPU 1 up again and waits until it counts again.
     */
    public static final class UpDown implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            GuestMemory m = v.memory();
            HypercallGate g = v.gate();
            if (v.vcpuId() == 1) {
                long n = 0;
                while (true) {
                    m.putLongVolatile(COUNTER, ++n);
                }
            }
            while (m.getLongVolatile(COUNTER) == 0) {
                schedYield(g);
            }
            m.putLong(OUT, vcpuOp(g, VcpuOp.VCPUOP_down, 1));
            while (runstate(v, 1) != VcpuOp.RUNSTATE_offline) {
                schedYield(g);
            }
            m.putLong(OUT + 8, vcpuOp(g, VcpuOp.VCPUOP_is_up, 1));
            long stopped = m.getLongVolatile(COUNTER);
            m.putLongVolatile(PHASE, 1);
            while (m.getLongVolatile(GO) == 0) {
                schedYield(g);
            }
            m.putLong(OUT + 16, m.getLongVolatile(COUNTER) - stopped);
            m.putLong(OUT + 24, vcpuOp(g, VcpuOp.VCPUOP_up, 2));
            m.putLong(OUT + 32, vcpuOp(g, VcpuOp.VCPUOP_down, 2));
            m.putLong(OUT + 40, vcpuOp(g, VcpuOp.VCPUOP_is_up, -1));
            m.putLong(OUT + 48, vcpuOp(g, VcpuOp.VCPUOP_up, 1L << 32));
            m.putLong(OUT + 56, vcpuOp(g, VcpuOp.VCPUOP_up, 1));
            m.putLong(OUT + 64, vcpuOp(g, VcpuOp.VCPUOP_is_up, 1));
            while (m.getLongVolatile(COUNTER) == stopped) {
                schedYield(g);
            }
            m.putLongVolatile(PHASE, 2);
            while (true) {
                schedYield(g);
            }
        }
    }

    /** One vCPU: tries to bring up and down vCPU 1, which it does not have (another domain's may be down). */
    public static final class Hostile implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            GuestMemory m = v.memory();
            HypercallGate g = v.gate();
            m.putLong(OUT, vcpuOp(g, VcpuOp.VCPUOP_up, 1));
            m.putLong(OUT + 8, vcpuOp(g, VcpuOp.VCPUOP_down, 1));
            m.putLong(OUT + 16, vcpuOp(g, VcpuOp.VCPUOP_is_up, 1));
            m.putLong(OUT + 24, vcpuOp(g, VcpuOp.VCPUOP_up, 0));
            m.putLong(OUT + 32, vcpuOp(g, VcpuOp.VCPUOP_is_up, 0));
            m.putLongVolatile(PHASE, 2);
            while (true) {
                schedYield(g);
            }
        }
    }

    /** One vCPU that brings itself down: the last vCPU going down powers the domain off, as in Xen. */
    public static final class LastDown implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            vcpuOp(v.gate(), VcpuOp.VCPUOP_down, 0);
            while (true) {
                schedYield(v.gate());
            }
        }
    }
}
