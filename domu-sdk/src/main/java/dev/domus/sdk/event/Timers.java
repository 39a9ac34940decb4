package dev.domus.sdk.event;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.sdk.hypercall.Hypervisor;

/**
 * One-shot timers on {@code set_timer_op} and {@code VIRQ_TIMER}, in hypervisor system time
 * ({@link Clock}). {@link #sleep} blocks the vCPU (it gives its pCPU away) until the deadline,
 * running event handlers that fire meanwhile.
 */
public final class Timers {

    private final Hypervisor hv;
    private final EventChannels events;
    private final Clock clock;
    private final int port;

    /** Binds VIRQ_TIMER for {@code vcpu}. */
    public Timers(Hypervisor hv, EventChannels events, int vcpu) {
        this.hv = hv;
        this.events = events;
        this.clock = events.clock();
        this.port = events.bindVirq(VIRQ_TIMER, vcpu);
    }

    /** The VIRQ_TIMER port. */
    public int port() {
        return port;
    }

    public long now() {
        return clock.now();
    }

    /** Sleeps for {@code nanos} of system time. */
    public void sleep(long nanos) {
        sleepUntil(clock.now() + Math.max(0, nanos));
    }

    /** Sleeps until system time {@code deadlineNs}. */
    public void sleepUntil(long deadlineNs) {
        while (clock.now() < deadlineNs) {
            hv.setTimer(deadlineNs);
            events.waitFor(port, deadlineNs);
        }
    }

    /** Arms the one-shot timer: VIRQ_TIMER fires at {@code deadlineNs} (0 cancels). */
    public void arm(long deadlineNs) {
        hv.setTimer(deadlineNs);
    }
}
