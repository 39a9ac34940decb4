package dev.domus.hv.hypercall;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.SchedOp;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainTable;
import dev.domus.hv.domain.Vcpu;
import dev.domus.hv.evtchn.EventChannels;
import dev.domus.hv.timer.TimerService;

/**
 * {@code __HYPERVISOR_sched_op(cmd, arg)} (sched.h): yield, block, poll, shutdown,
 * remote_shutdown (Dom0 only) and shutdown_code.
 *
 * <p>On a vCPU, block and poll give the pCPU token back and park the thread until an event
 * (or the poll timeout); on a Dom0 thread that is not a vCPU they park that thread the same
 * way. {@code SHUTDOWN_suspend} parks the calling vCPU until the domain is destroyed (the
 * save succeeded) or resumed by {@code XEN_DOMCTL_resumedomain}, in which case the call
 * returns 1 ("suspend cancelled"), as on Xen.
 */
final class SchedOpHandler implements HypercallHandler {

    /** Xen refuses polls of more than 128 ports. */
    static final int MAX_POLL_PORTS = 128;

    private final DomainTable domains;
    private final TimerService timers;

    SchedOpHandler(DomainTable domains, TimerService timers) {
        this.domains = domains;
        this.timers = timers;
    }

    @Override
    public long handle(CallContext ctx, long cmd, long arg, long a3, long a4, long a5) {
        Domain d = ctx.domain();
        Vcpu v = ctx.vcpu();
        switch ((int) cmd) {
            case SchedOp.SCHEDOP_yield:
                if (v != null) {
                    v.yieldNow();
                } else {
                    Thread.yield();
                }
                return 0;
            case SchedOp.SCHEDOP_block: {
                EventChannels ev = d.events();
                int idx = ctx.vcpuIndex();
                if (v != null) {
                    v.block();
                    v.refreshTime();
                } else {
                    ctx.release(); // a parked Dom0 thread must not hold back frame reclamation
                    d.awaitEvent(() -> ev.upcallPending(idx), 0);
                }
                return 0;
            }
            case SchedOp.SCHEDOP_shutdown: {
                int rc = ctx.copyIn(arg, CallContext.ARG_OFFSET, 4);
                if (rc < 0) {
                    return rc;
                }
                int reason = ctx.buffer().getInt(CallContext.ARG_OFFSET, LITTLE_ENDIAN);
                if (reason < 0 || reason > SchedOp.SHUTDOWN_watchdog) {
                    return -XenErrno.XEN_EINVAL;
                }
                if (d.isPrivileged()) {
                    return -XenErrno.XEN_EINVAL; // Dom0 stops with its host, not by hypercall
                }
                d.shutdown(reason);
                if (reason == SchedOp.SHUTDOWN_suspend && v != null) {
                    // Parks here until destroyed (GuestTermination) or resumed (cancelled suspend).
                    v.atSafepoint();
                    return 1;
                }
                return 0;
            }
            case SchedOp.SCHEDOP_shutdown_code:
                return 0;
            case SchedOp.SCHEDOP_poll:
                return poll(ctx, arg);
            case SchedOp.SCHEDOP_remote_shutdown: {
                if (!ctx.privileged()) {
                    return -XenErrno.XEN_EPERM;
                }
                int rc = ctx.copyIn(arg, CallContext.ARG_OFFSET, 8);
                if (rc < 0) {
                    return rc;
                }
                int domid = ctx.buffer().getShort(CallContext.ARG_OFFSET, LITTLE_ENDIAN) & 0xffff;
                int reason = ctx.buffer().getInt(CallContext.ARG_OFFSET + 4, LITTLE_ENDIAN);
                if (reason < 0 || reason > SchedOp.SHUTDOWN_watchdog) {
                    return -XenErrno.XEN_EINVAL;
                }
                Domain target = domains.get(domid == Xen.DOMID_SELF ? d.domid() : domid);
                if (target == null) {
                    return -XenErrno.XEN_ESRCH;
                }
                if (target.isPrivileged()) {
                    return -XenErrno.XEN_EINVAL;
                }
                target.shutdown(reason);
                return 0;
            }
            default:
                return -XenErrno.XEN_ENOSYS;
        }
    }

    /** struct sched_poll { ports handle @0; nr_ports u32 @8; timeout u64 @16 } (24 bytes). */
    private long poll(CallContext ctx, long arg) {
        int rc = ctx.copyIn(arg, CallContext.ARG_OFFSET, 24);
        if (rc < 0) {
            return rc;
        }
        long portsGpa = ctx.buffer().getLong(CallContext.ARG_OFFSET, LITTLE_ENDIAN);
        int nr = ctx.buffer().getInt(CallContext.ARG_OFFSET + 8, LITTLE_ENDIAN);
        long timeout = ctx.buffer().getLong(CallContext.ARG_OFFSET + 16, LITTLE_ENDIAN);
        if (nr < 0 || nr > MAX_POLL_PORTS) {
            return -XenErrno.XEN_EINVAL;
        }
        rc = ctx.copyIn(portsGpa, CallContext.BULK_OFFSET, nr * 4);
        if (rc < 0) {
            return rc;
        }
        EventChannels ev = ctx.domain().events();
        PollWait ready = ctx.pollWait();
        int[] ports = ready.ports;
        for (int i = 0; i < nr; i++) {
            ports[i] = ctx.buffer().getInt(CallContext.BULK_OFFSET + i * 4, LITTLE_ENDIAN);
            if (ports[i] <= 0 || ports[i] >= ev.nrPorts()) {
                return -XenErrno.XEN_EINVAL;
            }
        }
        Vcpu v = ctx.vcpu();
        ready.arm(nr, timeout, ev, timers, v);
        if (v == null) {
            long wait = timeout == 0 ? 0 : Math.max(1, timeout - timers.now());
            ctx.release(); // a parked Dom0 thread must not hold back frame reclamation
            ctx.domain().awaitEvent(ready, wait);
            return 0;
        }
        long handle = timeout == 0 ? -1 : timers.schedule(timeout, ready);
        v.polling(ports);
        try {
            while (!ready.getAsBoolean()) {
                v.block(ready);
            }
        } finally {
            v.polling(null);
            if (handle >= 0) {
                timers.cancel(handle);
            }
            v.refreshTime();
        }
        return 0;
    }
}
