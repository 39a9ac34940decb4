package dev.domus.dom0.toolstack.guests;

import java.nio.charset.StandardCharsets;

import dev.domus.abi.ConsoleIo;
import dev.domus.abi.GuestKernel;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;

/**
 * A test guest: vCPU 0 says hello on its console (CONSOLEIO_write) with its command line,
 * then every vCPU blocks until the domain is paused, shut down or destroyed. It ignores
 * control/shutdown (it never advertises feature-poweroff).
 */
public final class ConsoleGuest implements GuestKernel {

    /** A free guest page (above the builder's special pages). */
    static final long SCRATCH = 4L << 12;

    @Override
    public void start(VcpuContext vcpu) {
        if (vcpu.vcpuId() == 0) {
            say(vcpu, "hello from " + GuestSupport.cmdline(vcpu) + "\n");
        }
        while (true) {
            vcpu.gate().call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_block, 0);
        }
    }

    static void say(VcpuContext vcpu, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        vcpu.memory().putBytes(SCRATCH, b, 0, b.length);
        vcpu.gate().call(Hypercalls.__HYPERVISOR_console_io, ConsoleIo.CONSOLEIO_write, b.length, SCRATCH);
    }
}
