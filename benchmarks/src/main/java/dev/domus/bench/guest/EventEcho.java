package dev.domus.bench.guest;

import dev.domus.abi.flyweight.StartInfoFlyweight;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.event.EventChannels;

/**
 * Guest for EventChannelBench: echoes every event on its console event channel (bound to
 * Dom0 by the domain builder) straight back to Dom0, blocking in between.
 */
public final class EventEcho extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        int port = domu.memory().getInt(domu.vcpu().startInfoAddress() + StartInfoFlyweight.CONSOLE_DOMU_EVTCHN_OFFSET);
        EventChannels ev = domu.events();
        ev.adopt(port);
        while (true) {
            ev.waitFor(port);
            ev.send(port);
        }
    }
}
