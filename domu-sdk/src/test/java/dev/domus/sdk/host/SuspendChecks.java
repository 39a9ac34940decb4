package dev.domus.sdk.host;

import dev.domus.sdk.Domu;
import dev.domus.sdk.mem.GuestHashMap;

/**
 * A kernel's life around a suspend that the toolstack cancels: the suspend hook writes
 * Java-held state into guest memory, SCHEDOP_shutdown(suspend) parks the vCPU, and after
 * XEN_DOMCTL_resumedomain the guest runs on with its state and reconnected devices.
 */
public final class SuspendChecks extends CheckKernel {

    private int counter;
    private int cancelled;

    @Override
    protected void onSuspend(Domu d) {
        d.map("state").put("counter", Integer.toString(counter));
        d.console().println("suspend hook ran with counter " + counter);
    }

    @Override
    protected void onSuspendCancelled(Domu d) {
        cancelled++;
    }

    @Override
    protected void checks() {
        check("suspend-cancel-resume", () -> {
            counter = 41;
            try {
                domu.async(); // a device the SDK must quiesce and reconnect, where the hypervisor has it
            } catch (dev.domus.sdk.XenException e) {
                expect(e.errno() == dev.domus.abi.XenErrno.XEN_ENOSYS, e.getMessage());
            }
            domu.console().println("SUSPENDING");
            domu.suspend();
            expect(cancelled == 1, "cancel hook ran " + cancelled + " times");
            GuestHashMap state = domu.map("state");
            expect("41".equals(state.get("counter")), "state written by the hook: " + state.get("counter"));
            counter++;
            expect(domu.events().isBound(domu.timers().port()), "timer port still bound");
            domu.timers().sleep(1_000_000L);
        });
    }
}
