package dev.domus.dom0.xenstore.ring;

import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.GuestMemoryFault;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.SchedOp;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.abi.flyweight.EvtchnAllocUnboundFlyweight;
import dev.domus.abi.flyweight.EvtchnBindInterdomainFlyweight;
import dev.domus.abi.flyweight.EvtchnCloseFlyweight;
import dev.domus.abi.flyweight.EvtchnSendFlyweight;
import dev.domus.abi.flyweight.SchedPollFlyweight;
import dev.domus.abi.flyweight.SharedInfoFlyweight;
import dev.domus.hv.boot.Dom0;

/**
 * The few hypercalls a Dom0 backend needs, made through Dom0's gate with argument structs in
 * a scratch page of Dom0's own memory (as a PV backend driver in Linux does): foreign mapping
 * of one guest frame, interdomain event channels, {@code SCHEDOP_poll}, and clearing a
 * port's pending bit in Dom0's {@code shared_info}.
 *
 * <p>One instance per backend thread of control; its methods are synchronized because they
 * share the scratch page. Failures throw {@link Dom0CallException} with the Xen error.
 */
public final class Dom0Calls implements AutoCloseable {

    // struct xen_add_to_physmap_batch (memory.h): domid @0, space @2, size @4, u.foreign_domid @6,
    // idxs @8, gpfns @16, errs @24; 32 bytes.
    private static final int BATCH_DOMID = 0;
    private static final int BATCH_SPACE = 2;
    private static final int BATCH_SIZE = 4;
    private static final int BATCH_FOREIGN_DOMID = 6;
    private static final int BATCH_IDXS = 8;
    private static final int BATCH_GPFNS = 16;
    private static final int BATCH_ERRS = 24;
    // struct xen_remove_from_physmap: domid @0, gpfn @8; 16 bytes.
    private static final int REMOVE_DOMID = 0;
    private static final int REMOVE_GPFN = 8;

    // Where each struct lives in the scratch page.
    private static final int ARG = 0;
    private static final int EXTRA = 256;
    private static final int EXTRA2 = 512;

    private final Dom0 dom0;
    private final HypercallGate gate;
    private final GuestMemory mem;
    private final long scratch;
    private boolean closed;

    public Dom0Calls(Dom0 dom0) {
        this.dom0 = dom0;
        this.gate = dom0.gate();
        this.mem = dom0.memory();
        this.scratch = dom0.pages().allocate(1);
    }

    /**
     * Maps frame {@code gfn} of domain {@code domid} into a free foreign slot of Dom0's space
     * ({@code XENMEM_add_to_physmap_batch}, {@code XENMAPSPACE_gmfn_foreign}).
     *
     * @return the guest-physical address in Dom0's memory where the page now appears
     */
    public synchronized long mapForeign(int domid, long gfn) {
        long slot = dom0.pages().allocateSlots(1);
        long b = scratch + ARG;
        mem.setMemory(b, 32, (byte) 0);
        mem.putShort(b + BATCH_DOMID, (short) Xen.DOMID_SELF);
        mem.putShort(b + BATCH_SPACE, (short) MemoryOp.XENMAPSPACE_gmfn_foreign);
        mem.putShort(b + BATCH_SIZE, (short) 1);
        mem.putShort(b + BATCH_FOREIGN_DOMID, (short) domid);
        mem.putLong(b + BATCH_IDXS, scratch + EXTRA);
        mem.putLong(b + BATCH_GPFNS, scratch + EXTRA + 8);
        mem.putLong(b + BATCH_ERRS, scratch + EXTRA + 16);
        mem.putLong(scratch + EXTRA, gfn);
        mem.putLong(scratch + EXTRA + 8, slot);
        mem.putInt(scratch + EXTRA + 16, 0);
        long rc = gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap_batch, b);
        int err = mem.getInt(scratch + EXTRA + 16);
        if (rc < 0 || err != 0) {
            dom0.pages().freeSlots(slot, 1);
            throw new Dom0CallException("mapping frame " + gfn + " of domain " + domid, rc < 0 ? rc : err);
        }
        return slot << Xen.PAGE_SHIFT;
    }

    /** Undoes {@link #mapForeign}: the slot is removed from Dom0's physmap and freed. */
    public synchronized void unmapForeign(long address) {
        long slot = address >>> Xen.PAGE_SHIFT;
        try {
            removeFromPhysmap(slot);
        } finally {
            dom0.pages().freeSlots(slot, 1);
        }
    }

    private void removeFromPhysmap(long slot) {
        long r = scratch + ARG;
        mem.setMemory(r, 16, (byte) 0);
        mem.putShort(r + REMOVE_DOMID, (short) Xen.DOMID_SELF);
        mem.putLong(r + REMOVE_GPFN, slot);
        long rc = gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_remove_from_physmap, r);
        if (rc < 0) {
            throw new Dom0CallException("unmapping Dom0 frame " + slot, rc);
        }
    }

    /** {@code EVTCHNOP_bind_interdomain}: a local port connected to {@code remotePort} of {@code remoteDomid}. */
    public synchronized int bindInterdomain(int remoteDomid, int remotePort) {
        long a = scratch + ARG;
        mem.setMemory(a, EvtchnBindInterdomainFlyweight.LENGTH, (byte) 0);
        mem.putShort(a + EvtchnBindInterdomainFlyweight.REMOTE_DOM_OFFSET, (short) remoteDomid);
        mem.putInt(a + EvtchnBindInterdomainFlyweight.REMOTE_PORT_OFFSET, remotePort);
        long rc = gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_interdomain, a);
        if (rc < 0) {
            throw new Dom0CallException("binding port " + remotePort + " of domain " + remoteDomid, rc);
        }
        return mem.getInt(a + EvtchnBindInterdomainFlyweight.LOCAL_PORT_OFFSET);
    }

    /** {@code EVTCHNOP_alloc_unbound}: a port of Dom0's that {@code remoteDomid} may bind to. */
    public synchronized int allocUnbound(int remoteDomid) {
        long a = scratch + ARG;
        mem.setMemory(a, EvtchnAllocUnboundFlyweight.LENGTH, (byte) 0);
        mem.putShort(a + EvtchnAllocUnboundFlyweight.DOM_OFFSET, (short) Xen.DOMID_SELF);
        mem.putShort(a + EvtchnAllocUnboundFlyweight.REMOTE_DOM_OFFSET, (short) remoteDomid);
        long rc = gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_alloc_unbound, a);
        if (rc < 0) {
            throw new Dom0CallException("allocating an unbound port for domain " + remoteDomid, rc);
        }
        return mem.getInt(a + EvtchnAllocUnboundFlyweight.PORT_OFFSET);
    }

    /** {@code EVTCHNOP_send}: notifies the other end of {@code port}. Returns the hypercall's result. */
    public synchronized long send(int port) {
        try {
            long a = scratch + ARG;
            mem.putInt(a + EvtchnSendFlyweight.PORT_OFFSET, port);
            return gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, a);
        } catch (GuestMemoryFault e) {
            return -XenErrno.XEN_ESRCH; // Dom0 itself is going down with its host
        }
    }

    /** {@code EVTCHNOP_close}; errors are ignored (the port is being given up either way). */
    public synchronized void closePort(int port) {
        try {
            long a = scratch + ARG;
            mem.putInt(a + EvtchnCloseFlyweight.PORT_OFFSET, port);
            gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_close, a);
        } catch (GuestMemoryFault e) {
            // Dom0 is going down with its host: its ports go with it.
        }
    }

    /**
     * {@code SCHEDOP_poll} without timeout: parks the calling Dom0 thread until one of
     * {@code ports} is pending. Not synchronized on the scratch page: it uses its own area of
     * it, and only one thread may poll through one instance.
     */
    public long poll(int... ports) {
        long p = scratch + EXTRA2;
        long list = p + SchedPollFlyweight.LENGTH;
        for (int i = 0; i < ports.length; i++) {
            mem.putInt(list + 4L * i, ports[i]);
        }
        mem.putLong(p + SchedPollFlyweight.PORTS_OFFSET, list);
        mem.putInt(p + SchedPollFlyweight.NR_PORTS_OFFSET, ports.length);
        mem.putLong(p + SchedPollFlyweight.TIMEOUT_OFFSET, 0);
        return gate.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, p);
    }

    /**
     * Clears {@code port}'s bit in Dom0's {@code evtchn_pending}, as a PV kernel does before
     * handling the event (so that an event arriving while it works is not lost).
     *
     * @return whether it was set
     */
    public boolean testAndClearPending(int port) {
        long word = dom0.sharedInfoAddress() + SharedInfoFlyweight.EVTCHN_PENDING_OFFSET + 8L * (port >>> 6);
        long bit = 1L << (port & 63);
        while (true) {
            long v = mem.getLongVolatile(word);
            if ((v & bit) == 0) {
                return false;
            }
            if (mem.compareAndSetLong(word, v, v & ~bit)) {
                return true;
            }
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            dom0.pages().free(scratch, 1);
        }
    }
}
