package dev.domus.sdk.host;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.balloon.Balloon;

/** Idles at clean points with the balloon driver on, printing each change of its size. */
public final class BalloonKernel extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        Balloon balloon = domu.balloon();
        domu.console().println("READY");
        long last = 0;
        while (true) {
            domu.sleep(1_000_000L);
            if (balloon.balloonedPages() != last) {
                last = balloon.balloonedPages();
                domu.console().println("BALLOONED " + last + " reservation " + domu.hypervisor().currentReservation());
            }
        }
    }
}
