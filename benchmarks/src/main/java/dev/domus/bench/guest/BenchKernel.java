package dev.domus.bench.guest;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.VcpuContext;

/** The kernel class the loader requires of an image; the benchmarks call the loops directly. */
public final class BenchKernel implements GuestKernel {

    @Override
    public void start(VcpuContext vcpu) {
        new CpuLoop().applyAsLong(1);
    }
}
