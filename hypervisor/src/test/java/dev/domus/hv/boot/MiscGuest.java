package dev.domus.hv.boot;

import dev.domus.abi.ConsoleIo;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestKernel;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.abi.Xen;
import dev.domus.abi.XenVersion;

/**
 * Exercises the smaller calls and records results at RESULTS + 8*i: [0] current_reservation,
 * [1] maximum_reservation, [2] decrease_reservation of one page, [3] current after, [4]
 * extraversion's first 8 bytes, [5] capabilities' first 8 bytes, [6] pagesize, [7] console
 * read of its own ring (bytes), [8] poll with a timeout on an idle port (returns 0),
 * [9] status of that port (EVTCHNSTAT_ipi = 5), [10] close it, [11] send on it after close,
 * [12] SCHEDOP_shutdown(suspend) result after the toolstack resumes it (1 = cancelled).
 */
public final class MiscGuest implements GuestKernel {

    @Override
    public void start(VcpuContext v) {
        GuestMemory m = v.memory();
        HypercallGate g = v.gate();
        long s = TestKernels.SCRATCH;
        long out = GuestKernels2.RESULTS;
        m.putShort(s, (short) Xen.DOMID_SELF);
        m.putLong(out, g.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_current_reservation, s));
        m.putLong(out + 8, g.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_maximum_reservation, s));
        long res = s + 512;
        m.setMemory(res, 32, (byte) 0);
        m.putLong(s + 1024, 100);
        m.putLong(res, s + 1024);
        m.putLong(res + 8, 1);
        m.putShort(res + 24, (short) Xen.DOMID_SELF);
        m.putLong(out + 16, g.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_decrease_reservation, res));
        m.putLong(out + 24, g.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_current_reservation, s));
        g.call(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_extraversion, s + 64);
        m.putLong(out + 32, m.getLong(s + 64));
        g.call(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_capabilities, s + 2048);
        m.putLong(out + 40, m.getLong(s + 2048));
        m.putLong(out + 48, g.call(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_pagesize, 0));
        TestKernels.console(v, "abc");
        m.putLong(out + 56, g.call(Hypercalls.__HYPERVISOR_console_io, ConsoleIo.CONSOLEIO_read, 16, s + 3072));
        m.putInt(s, 0);
        g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_ipi, s);
        int port = m.getInt(s + 4);
        long sysTime = GuestKernels3.systemTime(v);
        m.putInt(s + 128, port);
        m.putLong(s + 192, s + 128);
        m.putInt(s + 200, 1);
        m.putLong(s + 208, sysTime + 2_000_000L);
        m.putLong(out + 64, g.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, s + 192));
        m.setMemory(s + 256, 24, (byte) 0);
        m.putShort(s + 256, (short) Xen.DOMID_SELF);
        m.putInt(s + 260, port);
        g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_status, s + 256);
        m.putLong(out + 72, m.getInt(s + 264));
        m.putInt(s + 300, port);
        m.putLong(out + 80, g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_close, s + 300));
        m.putLong(out + 88, g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, s + 300));
        m.putLongVolatile(out + 96, -1);
        m.putLongVolatile(out + 96, TestKernels.shutdown(v, SchedOp.SHUTDOWN_suspend));
        TestKernels.shutdown(v, SchedOp.SHUTDOWN_poweroff);
    }
}
