package dev.domus.bench;

import dev.domus.abi.Domctl;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.flyweight.EvtchnBindInterdomainFlyweight;
import dev.domus.abi.flyweight.SchedPollFlyweight;
import dev.domus.abi.flyweight.SharedInfoFlyweight;
import dev.domus.abi.flyweight.XenDomctlFlyweight;
import dev.domus.hv.boot.Dom0;

/**
 * The few hypercalls the benchmarks make as Dom0, with their argument structs in one page of
 * Dom0's memory allocated up front (nothing allocated per call).
 */
final class Dom0Calls {

    private final HypercallGate gate;
    private final GuestMemory mem;
    private final long sharedInfo;
    private final long page;
    private final long sendArg;
    private final long pollArg;
    private final long pollPorts;
    private final long domctlArg;

    Dom0Calls(Dom0 dom0) {
        gate = dom0.gate();
        mem = dom0.memory();
        sharedInfo = dom0.sharedInfoAddress();
        page = dom0.pages().allocate(1);
        sendArg = page;
        pollPorts = page + 64;
        pollArg = page + 128;
        domctlArg = page + 256;
    }

    /** EVTCHNOP_bind_interdomain to the guest's port; returns Dom0's local port. */
    int bindInterdomain(int remoteDom, int remotePort) {
        long a = page + 512;
        mem.putShort(a + EvtchnBindInterdomainFlyweight.REMOTE_DOM_OFFSET, (short) remoteDom);
        mem.putInt(a + EvtchnBindInterdomainFlyweight.REMOTE_PORT_OFFSET, remotePort);
        long rc = gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_interdomain, a);
        if (rc != 0) {
            throw new IllegalStateException("bind_interdomain(" + remoteDom + ", " + remotePort + ") = " + rc);
        }
        return mem.getInt(a + EvtchnBindInterdomainFlyweight.LOCAL_PORT_OFFSET);
    }

    void send(int port) {
        mem.putInt(sendArg, port);
        gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, sendArg);
    }

    /** Blocks (SCHEDOP_poll) until {@code port} is pending, then clears it. */
    void awaitAndClear(int port) {
        long word = sharedInfo + SharedInfoFlyweight.EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L;
        long bit = 1L << (port & 63);
        while (true) {
            long w = mem.getLongVolatile(word);
            if ((w & bit) != 0) {
                if (mem.compareAndSetLong(word, w, w & ~bit)) {
                    return;
                }
                continue;
            }
            mem.putInt(pollPorts, port);
            mem.putLong(pollArg + SchedPollFlyweight.PORTS_OFFSET, pollPorts);
            mem.putInt(pollArg + SchedPollFlyweight.NR_PORTS_OFFSET, 1);
            mem.putLong(pollArg + SchedPollFlyweight.TIMEOUT_OFFSET, 0);
            long rc = gate.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, pollArg);
            if (rc < 0) {
                throw new IllegalStateException("SCHEDOP_poll = " + rc);
            }
        }
    }

    void destroy(int domid) {
        mem.setMemory(domctlArg, XenDomctlFlyweight.LENGTH, (byte) 0);
        mem.putInt(domctlArg + XenDomctlFlyweight.CMD_OFFSET, Domctl.XEN_DOMCTL_destroydomain);
        mem.putInt(domctlArg + XenDomctlFlyweight.INTERFACE_VERSION_OFFSET, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        mem.putShort(domctlArg + XenDomctlFlyweight.DOMAIN_OFFSET, (short) domid);
        long rc = gate.call(Hypercalls.__HYPERVISOR_domctl, domctlArg);
        if (rc != 0) {
            throw new IllegalStateException("destroydomain(" + domid + ") = " + rc);
        }
    }
}
