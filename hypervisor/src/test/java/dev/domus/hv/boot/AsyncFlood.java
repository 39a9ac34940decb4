package dev.domus.hv.boot;

import dev.domus.abi.ConsoleIo;
import dev.domus.abi.DomusAsync;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestKernel;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import java.nio.charset.StandardCharsets;

/** Fills its async ring with 32 console writes "i," (each a 64 KiB write padded with none), notifies, then yields forever. */
public final class AsyncFlood implements GuestKernel {

    @Override
    public void start(VcpuContext v) {
        GuestMemory m = v.memory();
        HypercallGate g = v.gate();
        long s = TestKernels.SCRATCH;
        m.putInt(s, 0);
        g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_ipi, s);
        int port = m.getInt(s + 4);
        long ring = AsyncProbe.RING;
        m.setMemory(ring, 4096, (byte) 0);
        m.putInt(ring + 4, 1);
        m.putInt(ring + 12, 1);
        long handle = g.call(Hypercalls.__HYPERVISOR_domus_async_op, DomusAsync.DOMUS_ASYNC_register, ring, 1, port, 0);
        for (int i = 0; i < 32; i++) {
            byte[] t = (i + ",").getBytes(StandardCharsets.US_ASCII);
            m.putBytes(AsyncProbe.TEXT + i * 8L, t, 0, t.length);
            long slot = ring + 64 + i * 64L;
            m.putLong(slot, i);
            m.putInt(slot + 8, Hypercalls.__HYPERVISOR_console_io);
            m.putLong(slot + 16, ConsoleIo.CONSOLEIO_write);
            m.putLong(slot + 24, t.length);
            m.putLong(slot + 32, AsyncProbe.TEXT + i * 8L);
        }
        m.putIntVolatile(ring, 32);
        g.call(Hypercalls.__HYPERVISOR_domus_async_op, DomusAsync.DOMUS_ASYNC_notify, handle);
        while (true) {
            g.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_yield, 0);
        }
    }
}
