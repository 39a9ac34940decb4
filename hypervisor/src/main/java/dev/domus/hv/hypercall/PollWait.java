package dev.domus.hv.hypercall;

import dev.domus.hv.domain.Vcpu;
import dev.domus.hv.evtchn.EventChannels;
import dev.domus.hv.timer.TimerService;
import java.util.function.BooleanSupplier;

/**
 * The wait condition of one {@code SCHEDOP_poll}: any of the polled ports pending, or the
 * timeout passed. One per call context, reused by every poll on it, so a poll allocates
 * nothing (it used to allocate the port array and two lambdas per call). Only the context's
 * own thread fills it; other threads only read it through {@link #getAsBoolean()} while it
 * is published as the vCPU's poll set.
 */
final class PollWait implements BooleanSupplier, TimerService.Expiry {

    final int[] ports = new int[SchedOpHandler.MAX_POLL_PORTS];
    private int nr;
    private long timeout;
    private EventChannels events;
    private TimerService timers;
    private Vcpu vcpu;

    /** Arms the condition for {@code nr} ports (already in {@link #ports}). */
    PollWait arm(int nr, long timeout, EventChannels events, TimerService timers, Vcpu vcpu) {
        this.nr = nr;
        this.timeout = timeout;
        this.events = events;
        this.timers = timers;
        this.vcpu = vcpu;
        return this;
    }

    @Override
    public boolean getAsBoolean() {
        EventChannels ev = events;
        for (int i = 0; i < nr; i++) {
            if (ev.isPending(ports[i])) {
                return true;
            }
        }
        return timeout != 0 && timers.now() >= timeout;
    }

    /** The poll's timeout fired (timer thread): wake the polling vCPU. */
    @Override
    public void expired(long now) {
        Vcpu v = vcpu;
        if (v != null) {
            v.wake();
        }
    }
}
