package dev.domus.dom0.console.backend;

import dev.domus.abi.flyweight.StartInfoFlyweight;
import dev.domus.abi.flyweight.XenconsInterfaceFlyweight;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/** A guest that claims more console output than its ring holds, then notifies the backend. */
public final class HostileConsoleGuest extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        domu.printf("about to misbehave%n");
        long si = domu.vcpu().startInfoAddress();
        long ring = domu.memory().getLong(si + StartInfoFlyweight.CONSOLE_DOMU_MFN_OFFSET) << 12;
        int port = domu.memory().getInt(si + StartInfoFlyweight.CONSOLE_DOMU_EVTCHN_OFFSET);
        int cons = domu.memory().getIntVolatile(ring + XenconsInterfaceFlyweight.OUT_CONS_OFFSET);
        domu.memory().putIntVolatile(ring + XenconsInterfaceFlyweight.OUT_PROD_OFFSET, cons + 3 * XenconsInterfaceFlyweight.OUT_SIZE);
        domu.events().send(port);
        domu.xenstore().write("data/done", "1");
        while (true) {
            domu.sleep(1_000_000_000L);
        }
    }
}
