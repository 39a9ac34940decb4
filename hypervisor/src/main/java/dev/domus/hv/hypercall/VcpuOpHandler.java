package dev.domus.hv.hypercall;

import dev.domus.abi.VcpuOp;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.Vcpu;

/**
 * {@code __HYPERVISOR_vcpu_op(cmd, vcpuid, arg)} (xen/include/public/vcpu.h): the vCPU
 * hotplug sub-ops here, timers and runstate in {@link TimerHandlers}.
 *
 * <p>Every sub-op acts on a vCPU of the calling domain ({@code vcpuid}, IN): the hypercall
 * names no domain, so a guest reaches no other domain's vCPUs. A {@code vcpuid} at or beyond
 * the domain's max_vcpus (or negative) is {@code -XEN_ENOENT}, as in Xen.
 * <ul>
 *   <li>{@code VCPUOP_up}: makes a vCPU that is down runnable again; it continues where it
 *       stopped. 0, or {@code -XEN_EINVAL} for a vCPU with no context (its thread ended).</li>
 *   <li>{@code VCPUOP_down}: makes the vCPU non-runnable: it leaves the run queue and gives
 *       back its pCPU at its next safepoint (synchronously when it downs itself). Downing the
 *       last vCPU that is up powers the domain off, as in Xen. Returns 0.</li>
 *   <li>{@code VCPUOP_is_up}: 1 if the vCPU is up, else 0.</li>
 * </ul>
 */
final class VcpuOpHandler implements HypercallHandler {

    private final TimerHandlers timers;

    VcpuOpHandler(TimerHandlers timers) {
        this.timers = timers;
    }

    @Override
    public long handle(CallContext ctx, long cmd, long vcpuid, long arg, long a4, long a5) {
        Domain d = ctx.domain();
        if (vcpuid < 0 || vcpuid >= Math.max(1, d.vcpuCount())) {
            return -XenErrno.XEN_ENOENT;
        }
        int id = (int) vcpuid;
        switch ((int) cmd) {
            case VcpuOp.VCPUOP_up:
                return d.vcpuUp(id);
            case VcpuOp.VCPUOP_down:
                return d.vcpuDown(id);
            case VcpuOp.VCPUOP_is_up: {
                Vcpu target = d.vcpu(id);
                // Dom0's threads are its own: it has no Vcpu objects and its vCPU 0 is always up
                return target == null ? (d.isPrivileged() ? 1 : 0) : (target.isOnline() ? 1 : 0);
            }
            default:
                return timers.vcpuOp(ctx, cmd, vcpuid, arg, a4, a5);
        }
    }
}
