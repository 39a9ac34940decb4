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

/**
 * A guest that drives the async ring as a front end (io/ring.h): {@value #N} console writes
 * "i," posted in order, request 50 from an address it does not own, never more in flight
 * than the ring holds. Records each response's result (by id) and whether the responses came
 * in request order, then powers off.
 */
public final class AsyncProbe implements GuestKernel {

    static final int N = 100;
    static final long RING = 16 * 4096L;
    static final long TEXT = 24 * 4096L;
    static final long RESULTS = 32 * 4096L;
    /** RESULTS + 8*N: in-order flag; +8: times the guest found the ring full; +16: handle. */
    static final long FLAGS = RESULTS + 8L * N;

    @Override
    public void start(VcpuContext v) {
        GuestMemory m = v.memory();
        HypercallGate g = v.gate();
        long s = TestKernels.SCRATCH;
        m.putInt(s, 0);
        if (g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_ipi, s) != 0) {
            throw new IllegalStateException("bind_ipi");
        }
        int port = m.getInt(s + 4);
        m.setMemory(RING, 4096, (byte) 0);
        m.putInt(RING + 4, 1);  // req_event (SHARED_RING_INIT)
        m.putInt(RING + 12, 1); // rsp_event
        long handle = g.call(Hypercalls.__HYPERVISOR_domus_async_op, DomusAsync.DOMUS_ASYNC_register, RING, 1, port, 0);
        if (handle < 0) {
            throw new IllegalStateException("register: " + handle);
        }
        int size = 32;
        for (int i = 0; i < N; i++) {
            byte[] t = (i + ",").getBytes(StandardCharsets.US_ASCII);
            m.putBytes(TEXT + i * 8L, t, 0, t.length);
            m.putInt(TEXT + i * 8L + 4, t.length);
        }
        int reqProdPvt = 0;
        int rspCons = 0;
        int nextExpected = 0;
        boolean inOrder = true;
        int fullSeen = 0;
        while (rspCons < N) {
            int before = reqProdPvt;
            while (reqProdPvt < N && reqProdPvt - rspCons < size) {
                int i = reqProdPvt;
                long slot = RING + 64 + (long) (i & (size - 1)) * 64;
                m.setMemory(slot, 64, (byte) 0);
                m.putLong(slot, 1000 + i);
                m.putInt(slot + 8, Hypercalls.__HYPERVISOR_console_io);
                m.putLong(slot + 16, ConsoleIo.CONSOLEIO_write);
                m.putLong(slot + 24, m.getInt(TEXT + i * 8L + 4));
                m.putLong(slot + 32, i == 50 ? (1L << 40) : TEXT + i * 8L);
                reqProdPvt++;
            }
            if (reqProdPvt < N && reqProdPvt - rspCons == size) {
                fullSeen++; // RING_FULL: back off until responses come
            }
            if (reqProdPvt != before) {
                m.putIntVolatile(RING, reqProdPvt);
                int reqEvent = m.getIntVolatile(RING + 4);
                if (reqProdPvt - reqEvent < reqProdPvt - before) {
                    g.call(Hypercalls.__HYPERVISOR_domus_async_op, DomusAsync.DOMUS_ASYNC_notify, handle);
                }
            }
            boolean got = false;
            while (rspCons != m.getIntVolatile(RING + 8)) {
                long slot = RING + 64 + (long) (rspCons & (size - 1)) * 64;
                long id = m.getLong(slot) - 1000;
                if (id != nextExpected) {
                    inOrder = false;
                }
                nextExpected++;
                m.putLong(RESULTS + 8 * (id & 127), m.getLong(slot + 8));
                rspCons++;
                got = true;
            }
            if (!got && rspCons < N) {
                m.putIntVolatile(RING + 12, rspCons + 1); // RING_FINAL_CHECK_FOR_RESPONSES
                if (rspCons == m.getIntVolatile(RING + 8)) {
                    GuestKernels2.await(v, port);
                }
            }
        }
        m.putLong(FLAGS, inOrder ? 1 : 0);
        m.putLong(FLAGS + 8, fullSeen);
        m.putLong(FLAGS + 16, handle);
        TestKernels.shutdown(v, SchedOp.SHUTDOWN_poweroff);
    }
}
