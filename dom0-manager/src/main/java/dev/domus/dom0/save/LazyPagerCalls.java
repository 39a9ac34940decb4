package dev.domus.dom0.save;

import dev.domus.abi.Domctl;
import dev.domus.abi.DomusMemoryOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.Xen;
import dev.domus.hv.boot.Dom0;

/**
 * The hypercalls of a lazy restore's pager (Xen's xenpaging, Dom0 side), with argument structs
 * and a page buffer in two scratch pages of Dom0's own memory: {@code XEN_DOMCTL_vm_event_op},
 * {@code XENMEM_acquire_resource} for the ring page, and the {@code XENMEM_paging_op}s. One per
 * thread (not thread-safe). Results are the hypercalls' own ({@code >= 0} or {@code -XEN_E*}).
 */
final class LazyPagerCalls implements AutoCloseable {

    private static final int PAGE = Xen.PAGE_SIZE;

    private final Dom0 dom0;
    private final HypercallGate gate;
    private final GuestMemory mem;
    private final long scratch;
    private final long page;
    private boolean closed;

    LazyPagerCalls(Dom0 dom0) {
        this.dom0 = dom0;
        this.gate = dom0.gate();
        this.mem = dom0.memory();
        this.scratch = dom0.pages().allocate(2);
        this.page = scratch + PAGE;
    }

    /** XEN_DOMCTL_vm_event_op (paging mode) on {@code domid}; ENABLE's port is then {@link #enabledPort()}. */
    long vmEvent(int domid, int op) {
        mem.setMemory(scratch, 144, (byte) 0);
        mem.putInt(scratch, Domctl.XEN_DOMCTL_vm_event_op);
        mem.putInt(scratch + 4, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        mem.putShort(scratch + 8, (short) domid);
        mem.putInt(scratch + 16, op);
        mem.putInt(scratch + 20, Domctl.XEN_DOMCTL_VM_EVENT_OP_PAGING);
        return gate.call(Hypercalls.__HYPERVISOR_domctl, scratch);
    }

    /** {@code u.enable.port} of the last ENABLE. */
    int enabledPort() {
        return mem.getInt(scratch + 16 + 8);
    }

    /** Maps {@code domid}'s paging ring page at Dom0's {@code slot} (XENMEM_acquire_resource). */
    long acquireRing(int domid, long slot) {
        long a = scratch + 512;
        mem.setMemory(a, 40, (byte) 0);
        mem.putShort(a, (short) domid);
        mem.putShort(a + 2, (short) DomusMemoryOp.XENMEM_resource_domus_vm_event);
        mem.putInt(a + 4, Domctl.XEN_DOMCTL_VM_EVENT_OP_PAGING);
        mem.putInt(a + 8, 1);
        mem.putLong(a + 24, a + 32);
        mem.putLong(a + 32, slot);
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_acquire_resource, a);
    }

    /** XENMEM_remove_from_physmap of one of Dom0's own slots. */
    long unmap(long slot) {
        long r = scratch + 512;
        mem.setMemory(r, 16, (byte) 0);
        mem.putShort(r, (short) Xen.DOMID_SELF);
        mem.putLong(r + 8, slot);
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_remove_from_physmap, r);
    }

    private long paging(int op, int domid, long buffer, long gfn) {
        long a = scratch + 1024;
        mem.setMemory(a, 24, (byte) 0);
        mem.putByte(a, (byte) op);
        mem.putShort(a + 2, (short) domid);
        mem.putLong(a + 8, buffer);
        mem.putLong(a + 16, gfn);
        return gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_paging_op, a);
    }

    /** Marks {@code count} PFNs from {@code first} paged, content with Dom0 (Domus sub-op). */
    long populatePaged(int domid, long first, long count) {
        return paging(DomusMemoryOp.XENMEM_paging_op_domus_populate_paged, domid, count, first);
    }

    /** XENMEM_paging_op_prep with {@code data[off..off+4096)} as the page's content. */
    long prep(int domid, long gfn, byte[] data, int off) {
        mem.putBytes(page, data, off, PAGE);
        return paging(MemoryOp.XENMEM_paging_op_prep, domid, page, gfn);
    }

    /** XENMEM_paging_op_prep of an all-zero page. */
    long prepZero(int domid, long gfn) {
        mem.setMemory(page, PAGE, (byte) 0);
        return paging(MemoryOp.XENMEM_paging_op_prep, domid, page, gfn);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            dom0.pages().free(scratch, 2);
        }
    }
}
