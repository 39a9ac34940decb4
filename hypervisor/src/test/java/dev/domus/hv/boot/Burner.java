package dev.domus.hv.boot;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.VcpuContext;

/** CPU-bound: counts iterations in its memory; each iteration makes a null hypercall (a safepoint). */
public final class Burner implements GuestKernel {

    static final long COUNTER = TestKernels.SCRATCH + 8;

    @Override
    public void start(VcpuContext v) {
        GuestMemory m = v.memory();
        HypercallGate g = v.gate();
        long n = 0;
        while (true) {
            for (int i = 0; i < 64; i++) {
                n++;
            }
            m.putLongVolatile(COUNTER, n);
            g.call(Hypercalls.__HYPERVISOR_xen_version, 0);
        }
    }
}
