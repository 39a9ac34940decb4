package dev.domus.hv.boot;

import dev.domus.abi.ConsoleIo;
import dev.domus.abi.GuestKernel;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import java.nio.charset.StandardCharsets;

/** Small real guest kernels the boot tests run through the real dispatcher. */
public final class TestKernels {

    private TestKernels() {
    }

    /** Scratch page for hypercall arguments: the first free frame the builder leaves. */
    static final long SCRATCH = DomainBuilder.FIRST_FREE_PFN * 4096L;

    static long console(VcpuContext v, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        long at = SCRATCH + 2048 + v.vcpuId() * 256L;
        v.memory().putBytes(at, b, 0, b.length);
        return v.gate().call(Hypercalls.__HYPERVISOR_console_io, ConsoleIo.CONSOLEIO_write, b.length, at);
    }

    static long shutdown(VcpuContext v, int reason) {
        long at = SCRATCH + 64 * v.vcpuId();
        v.memory().putInt(at, reason);
        return v.gate().call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_shutdown, at);
    }

    /** Says hello on the console, reads start_info, and powers off. */
    public static final class Hello implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            GuestMemory m = v.memory();
            byte[] magic = new byte[14];
            m.getBytes(v.startInfoAddress(), magic, 0, 14);
            long nrPages = m.getLong(v.startInfoAddress() + 32);
            console(v, "hello from " + new String(magic, StandardCharsets.US_ASCII) + " pages=" + nrPages + "\n");
            shutdown(v, SchedOp.SHUTDOWN_poweroff);
        }
    }

    /** Throws: the domain crashes, nothing else. */
    public static final class Crasher implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            throw new IllegalStateException("guest bug");
        }
    }

    /** Blocks forever (until destroyed), calling the gate so it reaches safepoints. */
    public static final class Sleeper implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            HypercallGate g = v.gate();
            while (true) {
                g.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_block, 0);
            }
        }
    }

    /** Touches all of its memory, then spins on yield until destroyed. */
    public static final class Toucher implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            GuestMemory m = v.memory();
            long pages = m.getLong(v.startInfoAddress() + 32);
            for (long p = DomainBuilder.FIRST_FREE_PFN; p < pages; p++) {
                m.putLong(p * 4096, p);
            }
            console(v, "touched\n");
            while (true) {
                v.gate().call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_yield, 0);
            }
        }
    }
}
