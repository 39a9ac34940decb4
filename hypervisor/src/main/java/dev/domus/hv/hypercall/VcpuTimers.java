package dev.domus.hv.hypercall;

import dev.domus.abi.Virq;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.Vcpu;
import dev.domus.hv.timer.TimerService;

/**
 * The per-vCPU single-shot timer of {@code set_timer_op} and
 * {@code VCPUOP_set_singleshot_timer}: on expiry it raises {@code VIRQ_TIMER} on the vCPU
 * and wakes it. Setting a new timer replaces the old one; deadline 0 cancels.
 */
public final class VcpuTimers {

    private final TimerService timers;

    public VcpuTimers(TimerService timers) {
        this.timers = timers;
    }

    public long now() {
        return timers.now();
    }

    public TimerService service() {
        return timers;
    }

    /** Sets (deadline &gt; 0, absolute system time in ns) or cancels (0) the vCPU's timer. */
    public void set(Domain d, int vcpuIndex, long deadline) {
        Vcpu v = d.vcpu(vcpuIndex);
        if (deadline == 0) {
            cancel(d, vcpuIndex);
            return;
        }
        if (v == null) {
            // Dom0's own threads have no vCPU object beyond vcpu_info: raise directly.
            long h = timers.schedule(deadline, now -> d.events().raiseVirq(Virq.VIRQ_TIMER, 0));
            return;
        }
        long[] self = new long[1];
        self[0] = timers.schedule(deadline, now -> {
            v.timerFired(self[0]);
            d.events().raiseVirq(Virq.VIRQ_TIMER, vcpuIndex);
            v.wake();
        });
        long old = v.swapTimerHandle(self[0]);
        if (old >= 0) {
            timers.cancel(old);
        }
    }

    public void cancel(Domain d, int vcpuIndex) {
        Vcpu v = d.vcpu(vcpuIndex);
        if (v != null) {
            long old = v.swapTimerHandle(-1);
            if (old >= 0) {
                timers.cancel(old);
            }
        }
    }

    /** Cancels every vCPU's timer (domain destruction). */
    public void cancelAll(Domain d) {
        for (int i = 0; i < d.vcpuCount(); i++) {
            cancel(d, i);
        }
    }
}
