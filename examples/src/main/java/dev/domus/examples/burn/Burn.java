package dev.domus.examples.burn;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/**
 * burn: a CPU-bound guest for scheduler demos. It spins on arithmetic forever (never
 * blocking), counting work units, and publishes its count to {@code data/burn/units} every
 * {@code report_every} units (default 2^22) when the domain has xenstore; {@code units}
 * (if given) stops it after that many units, and it powers off. It relies on the
 * hypervisor's preemption at safepoints to share the pCPU.
 */
public final class Burn extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        long limit = domu.param("units", 0);
        long reportEvery = Math.max(1, domu.param("report_every", 1 << 22));
        long units = 0;
        long x = 0x243F6A8885A308D3L;
        while (limit == 0 || units < limit) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            x ^= x >>> 29;
            units++;
            if (units % reportEvery == 0) {
                domu.publish("data/burn/units", Long.toString(units));
                domu.checkpoint();
            }
        }
        domu.publish("data/burn/units", Long.toString(units));
        domu.publish("data/burn/result", Long.toHexString(x));
        domu.printf("burn: %d units done (%x)%n", units, x);
    }
}
