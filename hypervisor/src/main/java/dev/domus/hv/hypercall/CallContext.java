package dev.domus.hv.hypercall;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.Vcpu;
import dev.domus.hv.mem.GuestMemoryView;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Who is calling and where their arguments go: the caller's domain (taken from the gate),
 * its vCPU (null for a Dom0 thread that is not a vCPU, or an async drain thread), and a
 * preallocated hypervisor buffer that every hypercall copies its argument structs into
 * exactly once ({@code copy_from_guest}), validates there, and acts on only from there.
 * Copies go through the caller's own translation cache (the vCPU's view, or the Dom0
 * thread's), so a hit takes no lock.
 *
 * <p>The buffer is split so a multicall entry and the struct of the call it runs do not
 * overlap: {@link #MC_OFFSET} holds the multicall entry, {@link #ARG_OFFSET} the struct of
 * the current call, {@link #BULK_OFFSET} arrays (extent lists, poll ports, strings).
 * One context belongs to one thread at a time.
 */
public final class CallContext {

    public static final int MC_OFFSET = 0;
    public static final int ARG_OFFSET = 64;
    public static final int ARG_LENGTH = 1024;
    public static final int BULK_OFFSET = ARG_OFFSET + ARG_LENGTH;
    public static final int BULK_LENGTH = 7 * 1024;
    public static final int SIZE = BULK_OFFSET + BULK_LENGTH;

    private final Domain domain;
    private final Vcpu vcpu;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[SIZE]);
    /** Depth of multicall nesting: Xen refuses a multicall inside a multicall. */
    int multicallDepth;
    /** Set while a request from the async ring runs: the async op itself is refused there. */
    boolean inAsync;
    /** Guest address of the struct the current call copied in (for late OUT fields). */
    long lastArg;
    private GuestMemoryView view;
    private boolean viewResolved;
    private PollWait pollWait;

    /** Its hypercall counters (single writer: the thread using this context). */
    final HypercallCounters counters;

    /**
     * A vCPU's context, or (vcpu null) the context of the calling thread, which owns it: its
     * counters are kept after the thread ends.
     */
    public CallContext(Domain domain, Vcpu vcpu) {
        this(domain, vcpu, vcpu == null ? Thread.currentThread() : null);
    }

    private CallContext(Domain domain, Vcpu vcpu, Thread owner) {
        this.domain = domain;
        this.vcpu = vcpu;
        this.counters = new HypercallCounters(owner);
        domain.counters().register(counters);
    }

    /** A context for requests of an async ring: no vCPU, and the async op refused inside. */
    public static CallContext forAsync(Domain domain) {
        CallContext c = new CallContext(domain, null, null);
        c.inAsync = true;
        return c;
    }

    /** True while running a request from an async ring. */
    public boolean inAsync() {
        return inAsync;
    }

    public Domain domain() {
        return domain;
    }

    /** The calling vCPU, or null when the caller is not a vCPU thread. */
    public Vcpu vcpu() {
        return vcpu;
    }

    /** The vCPU index for per-vCPU state (0 when the caller is not a vCPU). */
    public int vcpuIndex() {
        return vcpu == null ? 0 : vcpu.index();
    }

    public UnsafeBuffer buffer() {
        return buffer;
    }

    /** Copies {@code length} bytes at guest address {@code gpa} into the buffer at {@code offset}. */
    public int copyIn(long gpa, int offset, int length) {
        if (length < 0 || offset < 0 || offset + length > SIZE) {
            return -XenErrno.XEN_EINVAL;
        }
        GuestMemoryView v = view();
        return v != null ? v.copyFromGuest(gpa, buffer, offset, length)
            : domain.physmap().copyFromGuest(gpa, buffer, offset, length);
    }

    /** Copies {@code length} bytes of the buffer at {@code offset} to guest address {@code gpa}. */
    public int copyOut(long gpa, int offset, int length) {
        if (length < 0 || offset < 0 || offset + length > SIZE) {
            return -XenErrno.XEN_EINVAL;
        }
        GuestMemoryView v = view();
        return v != null ? v.copyToGuest(gpa, buffer, offset, length)
            : domain.physmap().copyToGuest(gpa, buffer, offset, length);
    }

    /**
     * The view the copies go through: the vCPU's own (online for the whole hypercall: the gate
     * quiesced it at entry), or the calling thread's any-thread view, which {@link #endCall()}
     * takes offline again. Resolved on first use, on the owning thread. Null (async contexts,
     * physmaps without views): copies take the domain's lock per page instead.
     */
    private GuestMemoryView view() {
        GuestMemoryView v = view;
        if (v == null && !inAsync && !viewResolved) {
            viewResolved = true;
            if (vcpu != null) {
                GuestMemory g = domain.physmap().vcpuView(vcpu.index());
                v = g instanceof GuestMemoryView gv ? gv : null;
            } else {
                v = domain.physmap().threadView();
            }
            view = v;
        }
        return v;
    }

    /**
     * A hypercall on a non-vCPU thread ended or is about to park the thread: its view goes
     * offline, so an idle Dom0 thread never holds back the reclamation of unmapped frames (a
     * later copy brings it back online by itself). A vCPU's view stays online: it goes offline
     * when the vCPU blocks or is descheduled.
     */
    public void release() {
        GuestMemoryView v = view;
        if (v != null && vcpu == null) {
            v.offline();
        }
    }

    /** This context's reusable SCHEDOP_poll condition (created on the first poll). */
    PollWait pollWait() {
        PollWait p = pollWait;
        if (p == null) {
            p = new PollWait();
            pollWait = p;
        }
        return p;
    }

    public boolean privileged() {
        return domain.isPrivileged();
    }
}
