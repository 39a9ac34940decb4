package dev.domus.dom0.toolstack.guests;

import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/**
 * An SDK guest with secondary vCPUs that idle (blocked) instead of going offline, so
 * {@code domus vcpu-set} has vCPUs to take down and bring back: the SDK follows
 * {@code cpu/N/availability} at its clean points, which vCPU 0 reaches every 5 ms.
 */
public final class HotplugGuest extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        while (true) {
            domu.sleep(5_000_000L);
        }
    }

    @Override
    protected void secondary(VcpuContext vcpu) {
        while (true) {
            vcpu.gate().call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_block, 0);
        }
    }
}
