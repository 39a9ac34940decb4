package dev.domus.sdk.host;

import dev.domus.abi.Domctl;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.SchedOp;
import dev.domus.abi.Virq;
import dev.domus.abi.Xen;
import dev.domus.abi.flyweight.DomctlGetDomainInfoFlyweight;
import dev.domus.abi.flyweight.XenDomctlFlyweight;
import dev.domus.abi.flyweight.XenconsInterfaceFlyweight;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.Dom0;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A real Domus host for end-to-end tests of the SDK, driven the way Dom0's toolstack drives
 * it: {@link DomainBuilder} builds guests, and everything else goes through Dom0's hypercall
 * gate. Each guest's console ring is mapped into Dom0 (XENMEM_add_to_physmap_batch,
 * XENMAPSPACE_gmfn_foreign) and drained like the console backend does; waits block Dom0's
 * thread on SCHEDOP_poll over the console port and VIRQ_DOM_EXC (so a crash wakes the test),
 * never on sleeps.
 */
public final class TestHost implements AutoCloseable {

    private final Host host;
    private final Dom0 dom0;
    private final HypercallGate gate;
    private final GuestMemory mem;
    private final long scratch;
    private final int domExcPort;

    public TestHost(long memoryBytes, int pcpus) {
        this.host = Host.start(HostConfig.defaults().withMemory(memoryBytes).withPcpus(pcpus).withDom0Memory(8L << 20));
        this.dom0 = host.dom0();
        this.gate = dom0.gate();
        this.mem = dom0.memory();
        this.scratch = dom0.pages().allocate(1);
        mem.setMemory(scratch, 16, (byte) 0);
        mem.putInt(scratch, Virq.VIRQ_DOM_EXC);
        long rc = gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_virq, scratch);
        this.domExcPort = rc < 0 ? -1 : mem.getInt(scratch + 8);
    }

    public Host host() {
        return host;
    }

    /** Builds and starts a guest running {@code kernel} with {@code memoryKb} of RAM and a command line. */
    public Guest start(Class<?> kernel, long memoryKb, String cmdline) throws Exception {
        return start(DomainSpec.of(kernel.getName(), memoryKb, 1).withCmdline(cmdline));
    }

    public Guest start(DomainSpec spec) throws Exception {
        BuiltDomain b = new DomainBuilder(dom0).build(spec);
        return new Guest(b);
    }

    @Override
    public void close() {
        host.close();
    }

    /** Maps {@code pfn} of {@code domid} into Dom0 (XENMAPSPACE_gmfn_foreign); returns Dom0's address of it. */
    public synchronized long mapForeign(int domid, long pfn) {
        long slot = dom0.pages().allocateSlots(1);
        long batch = scratch + 256;
        mem.setMemory(batch, 96, (byte) 0);
        mem.putShort(batch, (short) Xen.DOMID_SELF);
        mem.putShort(batch + 2, (short) MemoryOp.XENMAPSPACE_gmfn_foreign);
        mem.putShort(batch + 4, (short) 1);
        mem.putShort(batch + 6, (short) domid);
        mem.putLong(batch + 8, batch + 64);
        mem.putLong(batch + 16, batch + 72);
        mem.putLong(batch + 24, batch + 80);
        mem.putLong(batch + 64, pfn);
        mem.putLong(batch + 72, slot);
        check(gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap_batch, batch), "map foreign");
        check(-Math.abs(mem.getInt(batch + 80)), "map foreign entry");
        return slot << Xen.PAGE_SHIFT;
    }

    /** Binds Dom0 to {@code port} of {@code domid}; returns Dom0's local port. */
    public synchronized int bindInterdomain(int domid, int port) {
        long a = scratch + 512;
        mem.setMemory(a, 12, (byte) 0);
        mem.putShort(a, (short) domid);
        mem.putInt(a + 4, port);
        check(gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_interdomain, a), "bind");
        return mem.getInt(a + 8);
    }

    /** Dom0's memory (for reading pages mapped with {@link #mapForeign}). */
    public GuestMemory dom0Memory() {
        return mem;
    }

    /** Notifies the other end of Dom0's {@code port}. */
    public void notify(int port) {
        send(port);
    }

    /** Blocks Dom0's thread until {@code port} (or VIRQ_DOM_EXC) is pending, then clears it. */
    public void waitOn(int port) {
        synchronized (this) {
            long p = scratch + 1536;
            mem.putInt(p + 64, port);
            mem.putInt(p + 68, domExcPort > 0 ? domExcPort : port);
            mem.putLong(p, p + 64);
            mem.putInt(p + 8, 2);
            mem.putInt(p + 12, 0);
            mem.putLong(p + 16, 0);
        }
        check(gate.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, scratch + 1536), "SCHEDOP_poll");
        clearPending(port);
        if (domExcPort > 0) {
            clearPending(domExcPort);
        }
    }

    private synchronized long call(int op, long a1, long a2) {
        return gate.call(op, a1, a2);
    }

    /** One guest: its console as Dom0's console backend sees it, and its state. */
    public final class Guest {
        private final BuiltDomain built;
        private final long ring;
        private final int port;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Guest(BuiltDomain built) {
            this.built = built;
            long slot = dom0.pages().allocateSlots(1);
            synchronized (TestHost.this) {
                long batch = scratch + 256;
                mem.setMemory(batch, 96, (byte) 0);
                mem.putShort(batch, (short) Xen.DOMID_SELF);
                mem.putShort(batch + 2, (short) MemoryOp.XENMAPSPACE_gmfn_foreign);
                mem.putShort(batch + 4, (short) 1);
                mem.putShort(batch + 6, (short) built.domid());
                mem.putLong(batch + 8, batch + 64);
                mem.putLong(batch + 16, batch + 72);
                mem.putLong(batch + 24, batch + 80);
                mem.putLong(batch + 64, built.consolePfn());
                mem.putLong(batch + 72, slot);
                check(gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap_batch, batch), "map console");
                check(-Math.abs(mem.getInt(batch + 80)), "map console entry");
                long a = scratch + 512;
                mem.setMemory(a, 12, (byte) 0);
                mem.putShort(a, (short) built.domid());
                mem.putInt(a + 4, built.consolePort());
                check(gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_interdomain, a),
                        "bind console port");
                this.port = mem.getInt(a + 8);
            }
            this.ring = slot << Xen.PAGE_SHIFT;
        }

        public int domid() {
            return built.domid();
        }

        public BuiltDomain built() {
            return built;
        }

        /** Drains the console ring (notifying the guest that there is room) and returns all output so far. */
        public synchronized String output() {
            int cons = mem.getIntVolatile(ring + XenconsInterfaceFlyweight.OUT_CONS_OFFSET);
            int prod = mem.getIntVolatile(ring + XenconsInterfaceFlyweight.OUT_PROD_OFFSET);
            if (prod != cons) {
                for (int i = cons; i != prod; i++) {
                    out.write(mem.getByte(ring + XenconsInterfaceFlyweight.OUT_OFFSET + (i & 2047)));
                }
                mem.putIntOrdered(ring + XenconsInterfaceFlyweight.OUT_CONS_OFFSET, prod);
                send(port);
            }
            return out.toString(StandardCharsets.UTF_8);
        }

        /** Waits until the console shows {@code marker} or the domain shuts down; returns the output. */
        public String awaitOutput(String marker) {
            while (true) {
                String s = output();
                if (s.contains(marker)) {
                    return s;
                }
                if ((flags() & (Domctl.XEN_DOMINF_shutdown | Domctl.XEN_DOMINF_dying)) != 0 || flags() < 0) {
                    String end = output();
                    if (end.contains(marker)) {
                        return end;
                    }
                    throw new AssertionError("domain " + domid() + " shut down (reason " + shutdownReason()
                            + ") before printing '" + marker + "'; console:\n" + end);
                }
                poll();
            }
        }

        /** Waits until the domain has shut down; returns its SHUTDOWN_* reason. */
        public int awaitShutdown() {
            while ((flags() & Domctl.XEN_DOMINF_shutdown) == 0) {
                output();
                poll();
            }
            output();
            return shutdownReason();
        }

        private void poll() {
            synchronized (TestHost.this) {
                long p = scratch + 1024;
                mem.putInt(p + 64, port);
                int n = 1;
                if (domExcPort > 0) {
                    mem.putInt(p + 68, domExcPort);
                    n = 2;
                }
                mem.putLong(p, p + 64);
                mem.putInt(p + 8, n);
                mem.putInt(p + 12, 0);
                mem.putLong(p + 16, 0);
            }
            // the poll itself must not hold the lock: other guests' waits share Dom0
            long rc = gate.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, scratch + 1024);
            check(rc, "SCHEDOP_poll");
            clearPending(port);
            if (domExcPort > 0) {
                clearPending(domExcPort);
            }
        }

        /** XEN_DOMCTL_getdomaininfo flags, or -1 when the domain is gone. */
        public int flags() {
            synchronized (TestHost.this) {
                long d = scratch + 2048;
                mem.setMemory(d, XenDomctlFlyweight.LENGTH, (byte) 0);
                mem.putInt(d + XenDomctlFlyweight.CMD_OFFSET, Domctl.XEN_DOMCTL_getdomaininfo);
                mem.putInt(d + XenDomctlFlyweight.INTERFACE_VERSION_OFFSET, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
                mem.putShort(d + XenDomctlFlyweight.DOMAIN_OFFSET, (short) domid());
                long rc = gate.call(Hypercalls.__HYPERVISOR_domctl, d);
                if (rc < 0) {
                    return -1;
                }
                return mem.getInt(d + XenDomctlFlyweight.U_OFFSET + DomctlGetDomainInfoFlyweight.FLAGS_OFFSET);
            }
        }

        /** XEN_DOMCTL_getdomaininfo tot_pages. */
        public long totPages() {
            synchronized (TestHost.this) {
                long d = scratch + 2048;
                mem.setMemory(d, XenDomctlFlyweight.LENGTH, (byte) 0);
                mem.putInt(d + XenDomctlFlyweight.CMD_OFFSET, Domctl.XEN_DOMCTL_getdomaininfo);
                mem.putInt(d + XenDomctlFlyweight.INTERFACE_VERSION_OFFSET, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
                mem.putShort(d + XenDomctlFlyweight.DOMAIN_OFFSET, (short) domid());
                check(gate.call(Hypercalls.__HYPERVISOR_domctl, d), "getdomaininfo");
                return mem.getLong(d + XenDomctlFlyweight.U_OFFSET + DomctlGetDomainInfoFlyweight.TOT_PAGES_OFFSET);
            }
        }

        public int shutdownReason() {
            int f = flags();
            return f < 0 ? -1 : (f >>> Domctl.XEN_DOMINF_shutdownshift) & Domctl.XEN_DOMINF_shutdownmask;
        }

        /** XEN_DOMCTL_resumedomain: a domain that suspended runs on (its suspend returns "cancelled"). */
        public void resumeFromSuspend() {
            domctl(Domctl.XEN_DOMCTL_resumedomain, "resumedomain");
        }

        private void domctl(int cmd, String what) {
            synchronized (TestHost.this) {
                long d = scratch + 2048;
                mem.setMemory(d, XenDomctlFlyweight.LENGTH, (byte) 0);
                mem.putInt(d + XenDomctlFlyweight.CMD_OFFSET, cmd);
                mem.putInt(d + XenDomctlFlyweight.INTERFACE_VERSION_OFFSET, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
                mem.putShort(d + XenDomctlFlyweight.DOMAIN_OFFSET, (short) domid());
                check(gate.call(Hypercalls.__HYPERVISOR_domctl, d), what);
            }
        }

        /** XEN_DOMCTL_destroydomain. */
        public void destroy() {
            synchronized (TestHost.this) {
                long d = scratch + 2048;
                mem.setMemory(d, XenDomctlFlyweight.LENGTH, (byte) 0);
                mem.putInt(d + XenDomctlFlyweight.CMD_OFFSET, Domctl.XEN_DOMCTL_destroydomain);
                mem.putInt(d + XenDomctlFlyweight.INTERFACE_VERSION_OFFSET, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
                mem.putShort(d + XenDomctlFlyweight.DOMAIN_OFFSET, (short) domid());
                check(gate.call(Hypercalls.__HYPERVISOR_domctl, d), "destroydomain");
            }
        }
    }

    private void send(int port) {
        synchronized (this) {
            mem.putInt(scratch + 3072, port);
            gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, scratch + 3072);
        }
    }

    /** Clears a pending bit in Dom0's shared_info so the next poll waits for a new event. */
    private void clearPending(int port) {
        long word = dom0.sharedInfoAddress() + dev.domus.abi.flyweight.SharedInfoFlyweight.EVTCHN_PENDING_OFFSET + 8L * (port >>> 6);
        long bit = 1L << (port & 63);
        while (true) {
            long v = mem.getLongVolatile(word);
            if ((v & bit) == 0 || mem.compareAndSetLong(word, v, v & ~bit)) {
                return;
            }
        }
    }

    private static void check(long rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed: " + rc);
        }
    }
}
