package dev.domus.hv.boot;

import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestKernel;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.abi.XenVersion;

/**
 * Makes a known set of hypercalls, then powers off: 7 xen_version, 3 sends on a port it
 * does not have (-XEN_EINVAL), 2 calls of an unassigned number (-XEN_ENOSYS), one IPI channel
 * bound and signalled twice, a 6-byte console write. {@link DomainStatsTest} checks the
 * hypervisor counted exactly these.
 */
public final class StatsGuest implements GuestKernel {

    static final int XEN_VERSION_CALLS = 7;
    static final int BAD_SENDS = 3;
    static final int UNASSIGNED = 60;
    static final int UNASSIGNED_CALLS = 2;
    static final int IPI_SENDS = 2;

    @Override
    public void start(VcpuContext v) {
        HypercallGate g = v.gate();
        long arg = TestKernels.SCRATCH + 512;
        for (int i = 0; i < XEN_VERSION_CALLS; i++) {
            g.call(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0);
        }
        v.memory().putInt(arg, 5000); // beyond the domain's ports
        for (int i = 0; i < BAD_SENDS; i++) {
            g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, arg);
        }
        for (int i = 0; i < UNASSIGNED_CALLS; i++) {
            g.call(UNASSIGNED, 0);
        }
        v.memory().putInt(arg, 0); // struct evtchn_bind_ipi: vcpu IN, port OUT
        if (g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_ipi, arg) == 0) {
            int port = v.memory().getInt(arg + 4);
            v.memory().putInt(arg, port);
            for (int i = 0; i < IPI_SENDS; i++) {
                g.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, arg);
            }
        }
        TestKernels.console(v, "stats\n");
        TestKernels.shutdown(v, SchedOp.SHUTDOWN_poweroff);
    }
}
