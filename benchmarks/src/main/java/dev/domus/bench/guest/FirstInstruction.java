package dev.domus.bench.guest;

import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestKernel;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.abi.flyweight.StartInfoFlyweight;

/**
 * Guest for DomainLifecycleBench: its first act is to signal Dom0 on its console event channel
 * (EVTCHNOP_send, the struct at the first free page), then it blocks until destroyed.
 */
public final class FirstInstruction implements GuestKernel {

    @Override
    public void start(VcpuContext vcpu) {
        int port = vcpu.memory().getInt(vcpu.startInfoAddress() + StartInfoFlyweight.CONSOLE_DOMU_EVTCHN_OFFSET);
        long arg = 4L << 12; // DomainBuilder.FIRST_FREE_PFN: guest RAM nobody else uses
        vcpu.memory().putInt(arg, port);
        vcpu.gate().call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, arg);
        while (true) {
            vcpu.gate().call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_block, 0);
        }
    }
}
