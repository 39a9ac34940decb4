package dev.domus.dom0.xenstore.ring;

import dev.domus.abi.XsWire;
import dev.domus.abi.flyweight.StartInfoFlyweight;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/**
 * A guest that breaks the xenstore ring protocol: it claims more request bytes than the ring
 * holds ({@code req_prod - req_cons > XENSTORE_RING_SIZE}) and notifies xenstored.
 */
public final class HostileRingGuest extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        domu.xenstore().write("data/ready", "1");
        long si = domu.vcpu().startInfoAddress();
        long ring = domu.memory().getLong(si + StartInfoFlyweight.STORE_MFN_OFFSET) << 12;
        int port = domu.memory().getInt(si + StartInfoFlyweight.STORE_EVTCHN_OFFSET);
        int cons = domu.memory().getIntVolatile(ring + 2 * XsWire.XENSTORE_RING_SIZE);
        domu.memory().putIntVolatile(ring + 2 * XsWire.XENSTORE_RING_SIZE + 4, cons + 5 * XsWire.XENSTORE_RING_SIZE);
        domu.events().send(port);
        while (true) {
            domu.sleep(1_000_000_000L);
        }
    }
}
