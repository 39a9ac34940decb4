package dev.domus.hv.hypercall;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.VcpuOp;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Vcpu;

/**
 * {@code __HYPERVISOR_set_timer_op(timeout)} and {@code __HYPERVISOR_vcpu_op(cmd, vcpuid,
 * arg)}: single-shot timers in absolute system time (ns since host boot) and
 * VCPUOP_get_runstate_info. {@link VcpuOpHandler} sends the other vcpu_op sub-ops here.
 */
final class TimerHandlers {

    private static final int SSHOT_TIMEOUT_OFFSET = 0;
    private static final int SSHOT_FLAGS_OFFSET = 8;
    private static final int SSHOT_LENGTH = 16;
    private static final int RUNSTATE_LENGTH = 48;

    private final VcpuTimers timers;

    TimerHandlers(VcpuTimers timers) {
        this.timers = timers;
    }

    /** set_timer_op: 0 cancels; a deadline in the past fires at once. */
    long setTimerOp(CallContext ctx, long timeout, long a2, long a3, long a4, long a5) {
        if (timeout < 0) {
            return -XenErrno.XEN_EINVAL;
        }
        timers.set(ctx.domain(), ctx.vcpuIndex(), timeout);
        return 0;
    }

    long vcpuOp(CallContext ctx, long cmd, long vcpuid, long arg, long a4, long a5) {
        if (vcpuid < 0 || vcpuid >= Math.max(1, ctx.domain().vcpuCount())) {
            return -XenErrno.XEN_ENOENT;
        }
        int id = (int) vcpuid;
        Vcpu target = ctx.domain().vcpu(id);
        switch ((int) cmd) {
            case VcpuOp.VCPUOP_set_singleshot_timer: {
                if (id != ctx.vcpuIndex()) {
                    return -XenErrno.XEN_EINVAL;
                }
                int rc = ctx.copyIn(arg, CallContext.ARG_OFFSET, SSHOT_LENGTH);
                if (rc < 0) {
                    return rc;
                }
                long deadline = ctx.buffer().getLong(CallContext.ARG_OFFSET + SSHOT_TIMEOUT_OFFSET, LITTLE_ENDIAN);
                int flags = ctx.buffer().getInt(CallContext.ARG_OFFSET + SSHOT_FLAGS_OFFSET, LITTLE_ENDIAN);
                if (deadline < 0) {
                    return -XenErrno.XEN_EINVAL;
                }
                if ((flags & VcpuOp.VCPU_SSHOTTMR_future) != 0 && deadline < timers.now()) {
                    return -XenErrno.XEN_ETIME;
                }
                timers.set(ctx.domain(), id, deadline == 0 ? 1 : deadline);
                return 0;
            }
            case VcpuOp.VCPUOP_stop_singleshot_timer:
                if (id != ctx.vcpuIndex()) {
                    return -XenErrno.XEN_EINVAL;
                }
                timers.cancel(ctx.domain(), id);
                return 0;
            case VcpuOp.VCPUOP_get_runstate_info: {
                if (target == null) {
                    return -XenErrno.XEN_ENOENT;
                }
                int state;
                if (target.currentPcpu() >= 0) {
                    // first: a vCPU just brought down runs until its next safepoint
                    state = VcpuOp.RUNSTATE_running;
                } else if (!target.isOnline()) {
                    state = VcpuOp.RUNSTATE_offline;
                } else if (target.isBlocked()) {
                    state = VcpuOp.RUNSTATE_blocked;
                } else {
                    state = VcpuOp.RUNSTATE_runnable;
                }
                // struct vcpu_runstate_info: state @0, state_entry_time @8, time[4] @16.
                long[] times = new long[4];
                target.addRunstateTimes(times);
                int o = CallContext.ARG_OFFSET;
                ctx.buffer().setMemory(o, RUNSTATE_LENGTH, (byte) 0);
                ctx.buffer().putInt(o, state, LITTLE_ENDIAN);
                ctx.buffer().putLong(o + 8, timers.now(), LITTLE_ENDIAN);
                for (int i = 0; i < 4; i++) {
                    ctx.buffer().putLong(o + 16 + 8 * i, times[i], LITTLE_ENDIAN);
                }
                return ctx.copyOut(arg, o, RUNSTATE_LENGTH);
            }
            default:
                return -XenErrno.XEN_ENOSYS;
        }
    }
}
