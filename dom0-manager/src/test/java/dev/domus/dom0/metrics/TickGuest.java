package dev.domus.dom0.metrics;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/**
 * A guest for the metrics tests that does a known amount of work, none of it waiting on a
 * timer: {@link #LINES} console lines of {@link #LINE_BYTES} bytes, {@link #IPIS} events sent
 * to itself on an IPI channel (each one counted sent and received), then it blocks on that
 * channel for good.
 */
public final class TickGuest extends DomusKernel {

    static final int LINES = 20;
    static final int LINE_BYTES = "tick 00\n".length();
    static final int IPIS = 5;

    @Override
    protected void main(Domu domu) {
        for (int n = 0; n < LINES; n++) {
            domu.printf("tick %02d%n", n);
        }
        int port = domu.events().bindIpi(domu.vcpu().vcpuId());
        for (int i = 0; i < IPIS; i++) {
            domu.events().send(port);
            domu.events().testAndClear(port);
        }
        while (true) {
            domu.events().waitFor(port); // nobody else signals it: blocked from here on
        }
    }
}
