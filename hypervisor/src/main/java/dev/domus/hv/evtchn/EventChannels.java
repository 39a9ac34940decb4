package dev.domus.hv.evtchn;

import static dev.domus.abi.EventChannelOp.EVTCHNSTAT_closed;
import static dev.domus.abi.EventChannelOp.EVTCHNSTAT_interdomain;
import static dev.domus.abi.EventChannelOp.EVTCHNSTAT_ipi;
import static dev.domus.abi.EventChannelOp.EVTCHNSTAT_unbound;
import static dev.domus.abi.EventChannelOp.EVTCHNSTAT_virq;
import static dev.domus.abi.XenErrno.XEN_EEXIST;
import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.abi.XenErrno.XEN_ENOENT;
import static dev.domus.abi.XenErrno.XEN_ENOSPC;
import static dev.domus.hv.evtchn.SharedInfoLayout.EVTCHN_MASK_OFFSET;
import static dev.domus.hv.evtchn.SharedInfoLayout.EVTCHN_PENDING_OFFSET;
import static dev.domus.hv.evtchn.SharedInfoLayout.EVTCHN_PENDING_SEL_OFFSET;
import static dev.domus.hv.evtchn.SharedInfoLayout.VCPU_INFO_SIZE;

import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.GuestMemoryFault;
import dev.domus.abi.Virq;

/**
 * One domain's event channels with Xen's 2-level ABI: per-port state here, pending and mask
 * bits in the domain's {@code shared_info} page in guest memory, where the guest reads and
 * clears them ({@code xen/common/event_2l.c}).
 *
 * <p>Binding, closing and status run under this object's lock; an interdomain bind takes
 * both domains' locks in domid order. Delivery ({@link #setPending}) takes no lock: it sets
 * bits in guest memory with atomic operations, then wakes the notified vCPU through the
 * {@link Notifier}.
 */
public final class EventChannels {

    /** Port states, Xen's ECS_* (event_channel.h EVTCHNSTAT_* for status). */
    private static final byte FREE = 0;
    private static final byte RESERVED = 1;
    private static final byte UNBOUND = 2;
    private static final byte INTERDOMAIN = 3;
    private static final byte VIRQ = 4;
    private static final byte IPI = 5;

    /** What the event code needs from its domain. */
    public interface Notifier {
        int domid();

        /** The domain's memory as seen from any hypervisor thread. */
        GuestMemory sharedMemory();

        /** Guest-physical address of shared_info, or -1 before the builder set it. */
        long sharedInfoAddress();

        int vcpuCount();

        /** Events became pending for {@code vcpu}: wake it if blocked or polling. */
        void kick(int vcpu);

        /** Looks up another live domain's channels, or null. */
        EventChannels peer(int domid);
    }

    private final Notifier owner;
    private final int nrPorts;
    private final byte[] state;
    private final int[] remoteDom;
    private final int[] remotePort;
    private final int[] notifyVcpu;
    private final int[] virqOf;
    private final int[][] virqPort;
    private volatile boolean closed;
    /**
     * Events delivered to this domain's ports (interdomain, IPI, VIRQ), coalesced ones
     * included. Senders on any thread add to it: the one shared counter on the delivery path,
     * an atomic add beside the atomic test-and-set of the pending bit it already makes.
     */
    private final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();

    public EventChannels(Notifier owner, int maxPorts) {
        if (maxPorts < 2 || maxPorts > EventChannelOp.EVTCHN_2L_NR_CHANNELS) {
            throw new IllegalArgumentException("max event channel ports must be 2.."
                + EventChannelOp.EVTCHN_2L_NR_CHANNELS + ", was " + maxPorts);
        }
        this.owner = owner;
        this.nrPorts = maxPorts;
        this.state = new byte[maxPorts];
        this.remoteDom = new int[maxPorts];
        this.remotePort = new int[maxPorts];
        this.notifyVcpu = new int[maxPorts];
        this.virqOf = new int[maxPorts];
        this.virqPort = new int[Math.max(1, owner.vcpuCount())][Virq.NR_VIRQS];
        state[0] = RESERVED; // port 0 is never handed out, as on Xen
    }

    public int nrPorts() {
        return nrPorts;
    }

    /** EVTCHNOP_alloc_unbound: a port that {@code remoteDomid} may bind to. */
    public synchronized int allocUnbound(int remoteDomid) {
        int port = freePort();
        if (port < 0) {
            return port;
        }
        state[port] = UNBOUND;
        remoteDom[port] = remoteDomid;
        notifyVcpu[port] = 0;
        return port;
    }

    /** EVTCHNOP_bind_interdomain: connects a new local port to {@code remote}'s unbound port. */
    public int bindInterdomain(EventChannels remote, int rport) {
        EventChannels first = owner.domid() <= remote.owner.domid() ? this : remote;
        EventChannels second = first == this ? remote : this;
        synchronized (first) {
            synchronized (second) {
                if (closed || remote.closed) {
                    return -XEN_EINVAL;
                }
                if (rport <= 0 || rport >= remote.nrPorts || remote.state[rport] != UNBOUND
                    || remote.remoteDom[rport] != owner.domid()) {
                    return -XEN_EINVAL;
                }
                int lport = freePort();
                if (lport < 0) {
                    return lport;
                }
                state[lport] = INTERDOMAIN;
                remoteDom[lport] = remote.owner.domid();
                remotePort[lport] = rport;
                notifyVcpu[lport] = 0;
                remote.state[rport] = INTERDOMAIN;
                remote.remotePort[rport] = lport;
                // Xen raises the local port so both ends notice the connection.
                setPending(lport);
                return lport;
            }
        }
    }

    /** EVTCHNOP_bind_virq. */
    public synchronized int bindVirq(int virq, int vcpu) {
        if (virq < 0 || virq >= Virq.NR_VIRQS || vcpu < 0 || vcpu >= virqPort.length) {
            return -XEN_EINVAL;
        }
        if (virqPort[vcpu][virq] != 0) {
            return -XEN_EEXIST;
        }
        int port = freePort();
        if (port < 0) {
            return port;
        }
        state[port] = VIRQ;
        virqOf[port] = virq;
        notifyVcpu[port] = vcpu;
        virqPort[vcpu][virq] = port;
        return port;
    }

    /** EVTCHNOP_bind_ipi. */
    public synchronized int bindIpi(int vcpu) {
        if (vcpu < 0 || vcpu >= Math.max(1, owner.vcpuCount())) {
            return -XEN_ENOENT;
        }
        int port = freePort();
        if (port < 0) {
            return port;
        }
        state[port] = IPI;
        notifyVcpu[port] = vcpu;
        return port;
    }

    /** EVTCHNOP_close. */
    public int close(int port) {
        int peerDom;
        int peerPort;
        synchronized (this) {
            if (!valid(port)) {
                return -XEN_EINVAL;
            }
            if (state[port] != INTERDOMAIN) {
                return closeLocal(port);
            }
            peerDom = remoteDom[port];
            peerPort = remotePort[port];
        }
        EventChannels peer = owner.peer(peerDom);
        if (peer == null || peer == this) {
            synchronized (this) {
                if (peer == this && state[port] == INTERDOMAIN && valid(peerPort)) {
                    state[peerPort] = UNBOUND;
                    remoteDom[peerPort] = owner.domid();
                }
                return closeLocal(port);
            }
        }
        EventChannels first = owner.domid() <= peer.owner.domid() ? this : peer;
        EventChannels second = first == this ? peer : this;
        synchronized (first) {
            synchronized (second) {
                if (state[port] == INTERDOMAIN && peerPort > 0 && peerPort < peer.nrPorts
                    && peer.state[peerPort] == INTERDOMAIN && peer.remotePort[peerPort] == port
                    && peer.remoteDom[peerPort] == owner.domid()) {
                    // The other end goes back to unbound, waiting for us again (as Xen does).
                    peer.state[peerPort] = UNBOUND;
                    peer.remoteDom[peerPort] = owner.domid();
                }
                return closeLocal(port);
            }
        }
    }

    private int closeLocal(int port) {
        if (state[port] == FREE || state[port] == RESERVED) {
            return -XEN_EINVAL;
        }
        if (state[port] == VIRQ) {
            virqPort[notifyVcpu[port]][virqOf[port]] = 0;
        }
        state[port] = FREE;
        remoteDom[port] = 0;
        remotePort[port] = 0;
        notifyVcpu[port] = 0;
        return 0;
    }

    /** EVTCHNOP_send: delivers to the other end of an interdomain channel, or to self for an IPI. */
    public int send(int port) {
        int rdom;
        int rport;
        synchronized (this) {
            if (!valid(port)) {
                return -XEN_EINVAL;
            }
            switch (state[port]) {
                case INTERDOMAIN -> {
                    rdom = remoteDom[port];
                    rport = remotePort[port];
                }
                case IPI -> {
                    rdom = -1;
                    rport = port;
                }
                case UNBOUND -> {
                    return 0; // Xen: silently dropped until someone binds
                }
                default -> {
                    return -XEN_EINVAL;
                }
            }
        }
        if (rdom < 0) {
            setPending(rport);
            return 0;
        }
        EventChannels peer = owner.peer(rdom);
        if (peer != null) {
            peer.setPending(rport);
        }
        return 0;
    }

    /** Raises a VIRQ bound on {@code vcpu}; nothing if unbound. */
    public void raiseVirq(int virq, int vcpu) {
        if (vcpu < 0 || vcpu >= virqPort.length || virq < 0 || virq >= Virq.NR_VIRQS) {
            return;
        }
        int port = virqPort[vcpu][virq];
        if (port != 0) {
            setPending(port);
        }
    }

    /** True if {@code virq} is bound on {@code vcpu}. */
    public boolean virqBound(int virq, int vcpu) {
        return vcpu >= 0 && vcpu < virqPort.length && virq >= 0 && virq < Virq.NR_VIRQS
            && virqPort[vcpu][virq] != 0;
    }

    /** EVTCHNOP_unmask: clears the mask bit and delivers an event that was pending meanwhile. */
    public int unmask(int port) {
        if (port <= 0 || port >= nrPorts) {
            return -XEN_EINVAL;
        }
        long si = owner.sharedInfoAddress();
        if (si < 0) {
            return 0;
        }
        GuestMemory mem = owner.sharedMemory();
        try {
            long maskWord = si + EVTCHN_MASK_OFFSET + (port >>> 6) * 8L;
            long bit = 1L << (port & 63);
            clearBit(mem, maskWord, bit);
            long pendWord = si + EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L;
            if ((mem.getLongVolatile(pendWord) & bit) != 0) {
                markSelector(mem, si, notifyVcpuOf(port), port >>> 6);
            }
        } catch (GuestMemoryFault fault) {
            return -dev.domus.abi.XenErrno.XEN_EFAULT;
        }
        return 0;
    }

    /**
     * Marks {@code port} pending (xen/common/event_2l.c {@code evtchn_2l_set_pending}): sets
     * its pending bit; if it was clear and the port is not masked, sets the selector bit
     * and {@code evtchn_upcall_pending} of the notified vCPU and kicks it.
     */
    public void setPending(int port) {
        if (closed || port <= 0 || port >= nrPorts) {
            return;
        }
        received.getAndIncrement();
        int vcpu = notifyVcpuOf(port);
        long si = owner.sharedInfoAddress();
        if (si >= 0) {
            GuestMemory mem = owner.sharedMemory();
            try {
                long bit = 1L << (port & 63);
                long pendWord = si + EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L;
                if (testAndSet(mem, pendWord, bit)) {
                    owner.kick(vcpu);
                    return;
                }
                long maskWord = si + EVTCHN_MASK_OFFSET + (port >>> 6) * 8L;
                if ((mem.getLongVolatile(maskWord) & bit) != 0) {
                    return;
                }
                markSelector(mem, si, vcpu, port >>> 6);
            } catch (GuestMemoryFault fault) {
                // The guest gave its shared_info page away: the event is lost, by its own doing.
            }
        }
        owner.kick(vcpu);
    }

    /** Events delivered to this domain's ports so far. */
    public long received() {
        return received.get();
    }

    /** True if {@code port}'s pending bit is set in shared_info (SCHEDOP_poll's test). */
    public boolean isPending(int port) {
        long si = owner.sharedInfoAddress();
        if (si < 0 || port <= 0 || port >= nrPorts) {
            return false;
        }
        try {
            long pendWord = si + EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L;
            return (owner.sharedMemory().getLongVolatile(pendWord) & (1L << (port & 63))) != 0;
        } catch (GuestMemoryFault fault) {
            return false;
        }
    }

    /** True if the vCPU has {@code evtchn_upcall_pending} set (SCHEDOP_block's check). */
    public boolean upcallPending(int vcpu) {
        long si = owner.sharedInfoAddress();
        if (si < 0) {
            return false;
        }
        try {
            return (owner.sharedMemory().getIntVolatile(si + (long) vcpu * VCPU_INFO_SIZE) & 0xff) != 0;
        } catch (GuestMemoryFault fault) {
            return false;
        }
    }

    /** EVTCHNOP_status: fills {@code out} = {status, vcpu, a, b}; returns 0 or an error. */
    public synchronized int status(int port, int[] out) {
        if (!valid(port)) {
            return -XEN_EINVAL;
        }
        out[1] = notifyVcpu[port];
        out[2] = 0;
        out[3] = 0;
        switch (state[port]) {
            case FREE, RESERVED -> out[0] = EVTCHNSTAT_closed;
            case UNBOUND -> {
                out[0] = EVTCHNSTAT_unbound;
                out[2] = remoteDom[port];
            }
            case INTERDOMAIN -> {
                out[0] = EVTCHNSTAT_interdomain;
                out[2] = remoteDom[port];
                out[3] = remotePort[port];
            }
            case VIRQ -> {
                out[0] = EVTCHNSTAT_virq;
                out[2] = virqOf[port];
            }
            case IPI -> out[0] = EVTCHNSTAT_ipi;
            default -> out[0] = EVTCHNSTAT_closed;
        }
        return 0;
    }

    /** Closes every port (domain destruction); interdomain peers go back to unbound. */
    public void closeAll() {
        for (int port = 1; port < nrPorts; port++) {
            byte s;
            synchronized (this) {
                s = state[port];
            }
            if (s != FREE && s != RESERVED) {
                close(port);
            }
        }
        closed = true;
    }

    /** Number of ports in use (for tests and getdomaininfo-style reports). */
    public synchronized int portsInUse() {
        int n = 0;
        for (int p = 1; p < nrPorts; p++) {
            if (state[p] != FREE) {
                n++;
            }
        }
        return n;
    }

    private boolean valid(int port) {
        return port > 0 && port < nrPorts;
    }

    private int notifyVcpuOf(int port) {
        int v = notifyVcpu[port];
        return v >= 0 && v < Math.max(1, owner.vcpuCount()) ? v : 0;
    }

    private int freePort() {
        if (closed) {
            return -XEN_EINVAL;
        }
        for (int p = 1; p < nrPorts; p++) {
            if (state[p] == FREE) {
                return p;
            }
        }
        return -XEN_ENOSPC;
    }

    private static void markSelector(GuestMemory mem, long si, int vcpu, int word) {
        long vi = si + (long) vcpu * VCPU_INFO_SIZE;
        testAndSet(mem, vi + EVTCHN_PENDING_SEL_OFFSET, 1L << word);
        // evtchn_upcall_pending is byte 0 of the aligned word that also holds the mask byte.
        int old;
        do {
            old = mem.getIntVolatile(vi);
            if ((old & 0xff) != 0) {
                return;
            }
        } while (!mem.compareAndSetInt(vi, old, (old & ~0xff) | 1));
    }

    private static boolean testAndSet(GuestMemory mem, long address, long bit) {
        long old;
        do {
            old = mem.getLongVolatile(address);
            if ((old & bit) != 0) {
                return true;
            }
        } while (!mem.compareAndSetLong(address, old, old | bit));
        return false;
    }

    private static void clearBit(GuestMemory mem, long address, long bit) {
        long old;
        do {
            old = mem.getLongVolatile(address);
            if ((old & bit) == 0) {
                return;
            }
        } while (!mem.compareAndSetLong(address, old, old & ~bit));
    }

    @Override
    public String toString() {
        return "EventChannels[d" + owner.domid() + ", " + portsInUse() + " ports in use of " + nrPorts + "]";
    }

}
