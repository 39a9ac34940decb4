package dev.domus.sdk.host;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/**
 * A guest that idles at clean points ({@link Domu#sleep}) so the SDK's lifecycle handling
 * (the control/shutdown watch) can be driven from Dom0.
 */
public final class LifecycleKernel extends DomusKernel {

    private long loops;

    @Override
    protected void main(Domu domu) {
        domu.console().println("READY");
        while (true) {
            domu.sleep(1_000_000L);
            loops++;
        }
    }

    @Override
    protected void onSuspend(Domu domu) {
        domu.map("life").put("loops", Long.toString(loops));
        domu.console().println("SUSPEND HOOK");
    }

    @Override
    protected void onSuspendCancelled(Domu domu) {
        domu.console().println("RESUMED loops=" + domu.map("life").get("loops"));
    }
}
