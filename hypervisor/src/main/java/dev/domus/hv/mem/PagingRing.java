package dev.domus.hv.mem;

import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.abi.flyweight.VmEventFlyweight.RING_SIZE;
import static dev.domus.abi.flyweight.VmEventFlyweight.SRING_REQ_PROD_OFFSET;
import static dev.domus.abi.flyweight.VmEventFlyweight.SRING_RSP_PROD_OFFSET;

import dev.domus.abi.VmEvent;
import dev.domus.abi.Xen;
import dev.domus.abi.flyweight.VmEventFlyweight;
import dev.domus.hv.p2m.P2mType;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One domain's VM event paging ring, in the model of Xen's {@code vm_event} ring for
 * {@code XEN_DOMCTL_VM_EVENT_OP_PAGING} ({@code xen/include/public/vm_event.h}, io/ring.h
 * layout, {@value VmEventFlyweight#RING_SIZE} entries of {@code vm_event_st} in one page).
 *
 * <p>When a vCPU touches a page that is paged out with its content held by the pager (Dom0),
 * the hypervisor posts a request ({@code VM_EVENT_REASON_MEM_PAGING}, the gfn, flag
 * {@code VM_EVENT_FLAG_VCPU_PAUSED}) and notifies Dom0 on the ring's event channel; the vCPU
 * waits. Dom0 fills the page with {@code XENMEM_paging_op_prep}, which wakes the vCPU, and puts a
 * response on the ring; {@code XEN_VM_EVENT_RESUME} makes the hypervisor consume responses
 * ({@link #resume}). A response for a page that is still not in means the pager has no content
 * for it: the waiting vCPUs fault. One request per gfn; requests that find the ring full wait
 * in a backlog and go on the ring as responses free slots (Xen makes the vCPU wait for a slot).
 *
 * <p>The ring page is a frame of the hypervisor's, not in the guest's physmap (the guest cannot
 * touch it); Dom0 maps it with {@code XENMEM_acquire_resource}
 * ({@code XENMEM_resource_domus_vm_event}). Everything Dom0 writes there is read once and
 * checked. The ring's lock is a leaf: notifications and the domain's bookkeeping happen outside
 * it.
 */
public final class PagingRing {

    private final DomainMemory domain;
    private final FrameAllocator allocator;
    private final long mfn;
    private final UnsafeBuffer page;
    private final VmEventFlyweight entry = new VmEventFlyweight();
    private final int port;
    private final Runnable notify;
    private final long[] backlog;
    private final int[] backlogVcpu;
    private int backlogHead;
    private int backlogSize;
    private int reqProd;
    private int rspCons;
    private boolean closed;
    private long requests;

    PagingRing(DomainMemory domain, long mfn, int port, Runnable notify, int maxBacklog) {
        this.domain = domain;
        this.allocator = domain.allocator();
        this.mfn = mfn;
        this.page = new UnsafeBuffer(domain.memory().frameAddress(mfn), Xen.PAGE_SIZE);
        this.port = port;
        this.notify = notify;
        this.backlog = new long[maxBacklog];
        this.backlogVcpu = new int[maxBacklog];
    }

    /** The ring's machine frame (Dom0 maps it with XENMEM_acquire_resource). */
    public long mfn() {
        return mfn;
    }

    /** The domain's port of the ring's event channel (Dom0 binds to it). */
    public int port() {
        return port;
    }

    /** Requests posted so far. */
    public synchronized long requests() {
        return requests;
    }

    /**
     * Posts a page-in request for {@code gfn} (the caller made sure it is the only one for that
     * gfn) and notifies the pager. Called without the domain's lock.
     */
    void request(long gfn, int vcpu) {
        boolean posted;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (reqProd - rspCons < RING_SIZE && backlogSize == 0) {
                put(gfn, vcpu);
                posted = true;
            } else {
                if (backlogSize == backlog.length) {
                    return; // more waiting gfns than vCPUs could make: cannot happen; drop
                }
                int i = (backlogHead + backlogSize++) % backlog.length;
                backlog[i] = gfn;
                backlogVcpu[i] = vcpu;
                posted = false;
            }
        }
        if (posted) {
            notify.run();
        }
    }

    private void put(long gfn, int vcpu) {
        entry.wrap(page, VmEventFlyweight.entryOffset(reqProd)).clear()
                .version(VmEvent.VM_EVENT_INTERFACE_VERSION)
                .flags(VmEvent.VM_EVENT_FLAG_VCPU_PAUSED)
                .reason(VmEvent.VM_EVENT_REASON_MEM_PAGING)
                .vcpuId(vcpu)
                .gfn(gfn)
                .p2mt(P2mType.p2m_ram_paged);
        reqProd++;
        page.putIntOrdered(SRING_REQ_PROD_OFFSET, reqProd); // entry before index (io/ring.h)
        requests++;
    }

    /**
     * XEN_VM_EVENT_RESUME: consumes the pager's responses. Each names a gfn the pager answered;
     * one still not paged in fails that page (its waiting vCPUs fault). Requests from the
     * backlog take the freed slots.
     *
     * @return the number of responses consumed; {@code -XEN_EINVAL} if the ring's response
     *         index is impossible (nothing is consumed)
     */
    public int resume() {
        long[] answered;
        int n;
        synchronized (this) {
            if (closed) {
                return 0;
            }
            int prod = page.getIntVolatile(SRING_RSP_PROD_OFFSET);
            n = prod - rspCons;
            if (n < 0 || n > reqProd - rspCons) {
                return -XEN_EINVAL;
            }
            answered = new long[n];
            for (int i = 0; i < n; i++) {
                entry.wrap(page, VmEventFlyweight.entryOffset(rspCons));
                answered[i] = entry.reason() == VmEvent.VM_EVENT_REASON_MEM_PAGING ? entry.gfn() : -1;
                rspCons++;
            }
        }
        for (long gfn : answered) {
            if (gfn >= 0) {
                domain.pagerAnswered(gfn);
            }
        }
        boolean posted = false;
        synchronized (this) {
            while (!closed && backlogSize > 0 && reqProd - rspCons < RING_SIZE) {
                put(backlog[backlogHead], backlogVcpu[backlogHead]);
                backlogHead = (backlogHead + 1) % backlog.length;
                backlogSize--;
                posted = true;
            }
        }
        if (posted) {
            notify.run();
        }
        return n;
    }

    /** Tears the ring down (XEN_VM_EVENT_DISABLE or the domain's death): its frame reference goes. */
    synchronized void close() {
        if (!closed) {
            closed = true;
            allocator.put(mfn); // Dom0's mapping, if any, keeps the frame until it unmaps
        }
    }

    synchronized boolean closed() {
        return closed;
    }
}
