package dev.domus.hv.hypercall;

import dev.domus.abi.Hypercalls;
import dev.domus.hv.Hypervisor;

/** Fills the dispatcher's table: the one place that says which handler serves which number. */
public final class Hypercall {

    private Hypercall() {
    }

    public static void registerAll(Hypervisor hv) {
        Dispatcher d = hv.dispatcher();
        TimerHandlers timers = new TimerHandlers(hv.vcpuTimers());
        d.register(Hypercalls.__HYPERVISOR_memory_op, new MemoryOpHandler(hv.domains(), hv.memory()));
        d.register(Hypercalls.__HYPERVISOR_multicall, new MulticallHandler(d));
        d.register(Hypercalls.__HYPERVISOR_set_timer_op, timers::setTimerOp);
        d.register(Hypercalls.__HYPERVISOR_xen_version, new XenVersionHandler());
        d.register(Hypercalls.__HYPERVISOR_console_io, new ConsoleIoHandler(hv.hostConsole()));
        d.register(Hypercalls.__HYPERVISOR_vcpu_op, new VcpuOpHandler(timers));
        d.register(Hypercalls.__HYPERVISOR_sched_op, new SchedOpHandler(hv.domains(), hv.timers()));
        d.register(Hypercalls.__HYPERVISOR_event_channel_op, new EventChannelHandler(hv.domains()));
        d.register(Hypercalls.__HYPERVISOR_domctl, new DomctlHandler(hv));
        d.register(Hypercalls.__HYPERVISOR_sysctl, new SysctlHandler(hv));
        d.register(Hypercalls.__HYPERVISOR_domus_async_op, hv.asyncRings());
        d.register(Hypercalls.__HYPERVISOR_grant_table_op, new dev.domus.hv.grant.GrantTableHandler(hv.domains()));
    }
}
