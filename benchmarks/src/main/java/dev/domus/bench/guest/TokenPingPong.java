package dev.domus.bench.guest;

import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.abi.flyweight.StartInfoFlyweight;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.event.EventChannels;

/**
 * Guest for TokenHandoffBench, on a one-pCPU host: vCPU 1 yields forever; on each event from
 * Dom0 (its console channel), vCPU 0 yields {@code rounds} times and signals back. With both
 * vCPUs runnable on one pCPU each yield is a run-token hand-off to the other vCPU (pick,
 * unpark it, park the yielder), so a batch is 2 x rounds hand-offs.
 */
public final class TokenPingPong extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        int port = domu.memory().getInt(domu.vcpu().startInfoAddress() + StartInfoFlyweight.CONSOLE_DOMU_EVTCHN_OFFSET);
        int rounds = (int) domu.param("rounds", 100);
        HypercallGate gate = domu.vcpu().gate();
        EventChannels ev = domu.events();
        ev.adopt(port);
        while (true) {
            ev.waitFor(port);
            for (int i = 0; i < rounds; i++) {
                gate.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_yield, 0);
            }
            ev.send(port);
        }
    }

    @Override
    protected void secondary(VcpuContext vcpu) {
        HypercallGate gate = vcpu.gate();
        while (true) {
            gate.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_yield, 0);
        }
    }
}
