package dev.domus.dom0.metrics;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/**
 * A guest for the metrics tests: forever prints a numbered tick on its console and sleeps a
 * millisecond on a timer, so its console bytes, events received (VIRQ_TIMER and the console
 * channel), hypercalls and blocked time all keep growing.
 */
public final class TickGuest extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        for (long n = 0; ; n++) {
            domu.printf("tick %d%n", n);
            domu.sleep(1_000_000L);
        }
    }
}
