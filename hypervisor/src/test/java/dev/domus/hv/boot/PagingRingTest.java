package dev.domus.hv.boot;

import static dev.domus.abi.XenErrno.XEN_EEXIST;
import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.abi.XenErrno.XEN_ENOENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.Domctl;
import dev.domus.abi.DomusMemoryOp;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestKernel;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.abi.VmEvent;
import dev.domus.abi.Xen;
import dev.domus.abi.flyweight.VmEventFlyweight;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The VM event paging ring on a real host, driven as Xen's toolstack drives it: Dom0 enables
 * the ring with {@code XEN_DOMCTL_vm_event_op}, maps it ({@code XENMEM_acquire_resource}),
 * binds its event channel, marks guest pages paged with Dom0 holding their content, and answers
 * the guest's touches with {@code XENMEM_paging_op_prep} and a response.
 */
@Timeout(60)
class PagingRingTest {

    /** The first PFN above the guest's 64 populated pages (256 KiB; maxmem 512 KiB). */
    static final long PAGED = 64;

    private Host host;
    private HypercallGate gate;
    private GuestMemory d0;
    private long scratch;

    @BeforeEach
    void boot() {
        host = Host.start(HostConfig.defaults().withMemory(64L << 20).withPcpus(1).withDom0Memory(8L << 20));
        gate = host.dom0().gate();
        d0 = host.dom0().memory();
        scratch = host.dom0().pages().allocate(3);
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    /** Tries a prep itself (a guest may not), then reads a long from a paged page and prints it. */
    public static final class PagerProbe implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            GuestMemory m = v.memory();
            long a = TestKernels.SCRATCH + 1024;
            m.setMemory(a, 24, (byte) 0);
            m.putByte(a, (byte) MemoryOp.XENMEM_paging_op_prep);
            m.putShort(a + 2, (short) Xen.DOMID_SELF);
            m.putLong(a + 8, TestKernels.SCRATCH + 4096);
            m.putLong(a + 16, PAGED);
            long rc = v.gate().call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_paging_op, a);
            TestKernels.console(v, "prep=" + rc + "\n");
            long value = m.getLong(PAGED * 4096 + 8);
            TestKernels.console(v, "value=" + value + "\n");
            TestKernels.shutdown(v, SchedOp.SHUTDOWN_poweroff);
        }
    }

    private long domctl(int cmd, int domid, int op, int mode) {
        d0.setMemory(scratch, 144, (byte) 0);
        d0.putInt(scratch, cmd);
        d0.putInt(scratch + 4, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        d0.putShort(scratch + 8, (short) domid);
        d0.putInt(scratch + 16, op);
        d0.putInt(scratch + 20, mode);
        return gate.call(Hypercalls.__HYPERVISOR_domctl, scratch);
    }

    private long vmEvent(int domid, int op) {
        return domctl(Domctl.XEN_DOMCTL_vm_event_op, domid, op, Domctl.XEN_DOMCTL_VM_EVENT_OP_PAGING);
    }

    /** A xen_mem_paging_op from Dom0. */
    private long paging(int op, int domid, long buffer, long gfn) {
        long a = scratch + 512;
        d0.setMemory(a, 24, (byte) 0);
        d0.putByte(a, (byte) op);
        d0.putShort(a + 2, (short) domid);
        d0.putLong(a + 8, buffer);
        d0.putLong(a + 16, gfn);
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_paging_op, a);
    }

    private long prep(int domid, long gfn, long marker) {
        long page = scratch + 4096;
        d0.setMemory(page, 4096, (byte) 0);
        d0.putLong(page + 8, marker);
        return paging(MemoryOp.XENMEM_paging_op_prep, domid, page, gfn);
    }

    /** Ring set up as xenpaging does: enable, map the ring page, bind the channel. */
    private record Ring(long address, int localPort) {
    }

    private Ring enable(int domid) {
        assertEquals(0, vmEvent(domid, Domctl.XEN_VM_EVENT_ENABLE));
        int port = d0.getInt(scratch + 16 + 8);
        long slot = host.dom0().pages().allocateSlots(1);
        long a = scratch + 1024;
        d0.setMemory(a, 40, (byte) 0);
        d0.putShort(a, (short) domid);
        d0.putShort(a + 2, (short) DomusMemoryOp.XENMEM_resource_domus_vm_event);
        d0.putInt(a + 4, Domctl.XEN_DOMCTL_VM_EVENT_OP_PAGING);
        d0.putInt(a + 8, 1);
        d0.putLong(a + 24, a + 32);
        d0.putLong(a + 32, slot);
        assertEquals(0, gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_acquire_resource, a));
        long b = scratch + 1536;
        d0.putShort(b, (short) domid);
        d0.putInt(b + 4, port);
        assertEquals(0, gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_interdomain, b));
        return new Ring(slot << 12, d0.getInt(b + 8));
    }

    /** Waits (SCHEDOP_poll, no timeout: the test's @Timeout guards) until the ring holds {@code n} requests. */
    private void awaitRequests(Ring r, int n) {
        long p = scratch + 2048;
        d0.putInt(p + 64, r.localPort());
        while (d0.getIntVolatile(r.address() + VmEventFlyweight.SRING_REQ_PROD_OFFSET) < n) {
            d0.putLong(p, p + 64);
            d0.putInt(p + 8, 1);
            d0.putLong(p + 16, 0);
            assertEquals(0, gate.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, p));
            clearPending(r.localPort());
        }
    }

    private void clearPending(int port) {
        long word = host.dom0().sharedInfoAddress() + dev.domus.abi.flyweight.SharedInfoFlyweight.EVTCHN_PENDING_OFFSET
            + 8L * (port >>> 6);
        long bit = 1L << (port & 63);
        long v;
        do {
            v = d0.getLongVolatile(word);
        } while ((v & bit) != 0 && !d0.compareAndSetLong(word, v, v & ~bit));
    }

    /** Request {@code i} as Dom0 reads it: {gfn, vcpu, version, reason, flags}. */
    private long[] request(Ring r, int i) {
        long e = r.address() + VmEventFlyweight.entryOffset(i);
        return new long[] {d0.getLong(e + VmEventFlyweight.MEM_PAGING_GFN_OFFSET),
            d0.getInt(e + VmEventFlyweight.VCPU_ID_OFFSET), d0.getInt(e + VmEventFlyweight.VERSION_OFFSET),
            d0.getInt(e + VmEventFlyweight.REASON_OFFSET), d0.getInt(e + VmEventFlyweight.FLAGS_OFFSET)};
    }

    /** Puts response {@code i} (for the request in that slot) and tells the hypervisor to resume. */
    private long respond(Ring r, int domid, int i) {
        long e = r.address() + VmEventFlyweight.entryOffset(i);
        // A response overwrites its request's slot, keeping gfn, vcpu, reason; flags say "unpause".
        d0.putInt(e + VmEventFlyweight.FLAGS_OFFSET, VmEvent.VM_EVENT_FLAG_VCPU_PAUSED);
        d0.putIntVolatile(r.address() + VmEventFlyweight.SRING_RSP_PROD_OFFSET, i + 1);
        return vmEvent(domid, Domctl.XEN_VM_EVENT_RESUME);
    }

    private BuiltDomain buildProbe() throws DomainBuildException {
        return new DomainBuilder(host.dom0()).build(DomainSpec.of(PagerProbe.class.getName(), 256, 1)
            .withMaxMemoryKb(512).paused(true));
    }

    private Domain awaitShutdown(int domid) {
        Domain d = host.hypervisor().domains().get(domid);
        while (d.state() != DomainState.SHUTDOWN) {
            Thread.onSpinWait();
        }
        return d;
    }

    @Test
    void aTouchPostsARequestAndPrepPlusResponseWakesTheVcpu() throws Exception {
        BuiltDomain b = buildProbe();
        int domid = b.domid();
        assertEquals(-XEN_EINVAL, paging(DomusMemoryOp.XENMEM_paging_op_domus_populate_paged, domid, 4, PAGED),
            "no ring yet: nobody could answer a touch");
        Ring r = enable(domid);
        assertEquals(-dev.domus.abi.XenErrno.XEN_EBUSY, vmEvent(domid, Domctl.XEN_VM_EVENT_ENABLE));
        assertEquals(-XEN_EEXIST, paging(DomusMemoryOp.XENMEM_paging_op_domus_populate_paged, domid, 4, PAGED - 2),
            "PFNs 62 and 63 hold memory");
        assertEquals(64, paging(DomusMemoryOp.XENMEM_paging_op_domus_populate_paged, domid, 64, PAGED));
        Domain d = host.hypervisor().domains().get(domid);
        assertEquals(128, d.physmap().currentPages(), "paged pages count in the reservation");
        assertEquals(-XEN_EINVAL, paging(DomusMemoryOp.XENMEM_paging_op_domus_populate_paged, domid, 1, 128),
            "beyond the address space");
        d.unpause();

        awaitRequests(r, 1);
        long[] req = request(r, 0);
        assertEquals(PAGED, req[0]);
        assertEquals(0, req[1]);
        assertEquals(VmEvent.VM_EVENT_INTERFACE_VERSION, req[2]);
        assertEquals(VmEvent.VM_EVENT_REASON_MEM_PAGING, req[3]);
        assertEquals(VmEvent.VM_EVENT_FLAG_VCPU_PAUSED, req[4]);
        assertEquals(DomainState.RUNNING, d.state(), "the vCPU waits for its page, the domain lives");

        assertEquals(0, prep(domid, PAGED, 4660));
        assertEquals(-XEN_ENOENT, prep(domid, PAGED, 1), "already in: the pager skips it");
        assertEquals(-XEN_ENOENT, prep(domid, 3, 1), "never paged");
        assertEquals(-XEN_EINVAL, prep(domid, 1L << 40, 1), "outside the domain");
        assertEquals(-XEN_EINVAL, paging(MemoryOp.XENMEM_paging_op_prep, domid, 0, PAGED + 1), "no buffer");
        assertEquals(-dev.domus.abi.XenErrno.XEN_ESRCH, prep(domid + 50, PAGED, 1));
        assertEquals(1, respond(r, domid, 0));

        awaitShutdown(domid);
        assertEquals(SchedOp.SHUTDOWN_poweroff, d.shutdownReason(), d.crashMessage());
        assertEquals("prep=-" + dev.domus.abi.XenErrno.XEN_EPERM + "\nvalue=4660\n", d.console().peekText(),
            "a guest may not prep; its touch waited for Dom0's page");
        assertNull(d.crashMessage());
    }

    @Test
    void aResponseWithoutThePageFaultsTheGuestAndDestroyEndsAWaitingVcpu() throws Exception {
        BuiltDomain b = buildProbe();
        Ring r = enable(b.domid());
        assertEquals(64, paging(DomusMemoryOp.XENMEM_paging_op_domus_populate_paged, b.domid(), 64, PAGED));
        Domain d = host.hypervisor().domains().get(b.domid());
        d.unpause();
        awaitRequests(r, 1);
        assertEquals(1, respond(r, b.domid(), 0)); // "I have no content for it"
        awaitShutdown(b.domid());
        assertEquals(SchedOp.SHUTDOWN_crash, d.shutdownReason());
        assertTrue(d.crashMessage().contains("pager"), d.crashMessage());

        // A vCPU waiting for the pager when its domain is destroyed: destroy returns, the thread ends.
        BuiltDomain c = buildProbe();
        Ring r2 = enable(c.domid());
        assertEquals(64, paging(DomusMemoryOp.XENMEM_paging_op_domus_populate_paged, c.domid(), 64, PAGED));
        Domain e = host.hypervisor().domains().get(c.domid());
        e.unpause();
        awaitRequests(r2, 1);
        assertEquals(0, domctl(Domctl.XEN_DOMCTL_destroydomain, c.domid(), 0, 0));
        assertTrue(e.threadsEnded(), "the waiting vCPU thread was joined");
    }
}
