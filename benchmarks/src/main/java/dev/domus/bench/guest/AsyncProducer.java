package dev.domus.bench.guest;

import dev.domus.abi.Hypercalls;
import dev.domus.abi.XenVersion;
import dev.domus.abi.flyweight.StartInfoFlyweight;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.event.EventChannels;
import dev.domus.sdk.hypercall.AsyncHypercalls;
import dev.domus.sdk.hypercall.Completion;

/**
 * Guest for AsyncRingBench: on each event from Dom0 (its console channel) it posts {@code
 * calls} null hypercalls (xen_version) on its async ring, waiting for a slot when the ring is
 * full, waits for the last answer, and signals back.
 */
public final class AsyncProducer extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        int port = domu.memory().getInt(domu.vcpu().startInfoAddress() + StartInfoFlyweight.CONSOLE_DOMU_EVTCHN_OFFSET);
        int calls = (int) domu.param("calls", 256);
        EventChannels ev = domu.events();
        ev.adopt(port);
        AsyncHypercalls async = domu.async();
        while (true) {
            ev.waitFor(port);
            Completion last = null;
            for (int i = 0; i < calls; i++) {
                last = async.submitWaiting(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0, 0, 0, 0);
            }
            async.await(last);
            ev.send(port);
        }
    }
}
