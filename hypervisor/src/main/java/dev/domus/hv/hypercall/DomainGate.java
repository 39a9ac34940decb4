package dev.domus.hv.hypercall;

import dev.domus.abi.HypercallGate;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.Vcpu;
import dev.domus.hv.domain.VcpuThread;

/**
 * A domain's hypercall gate. The caller's identity is the gate's domain, never an argument;
 * the vCPU is the calling thread's. A domU's gate works only on that domain's own vCPU
 * threads ({@code -XEN_EPERM} elsewhere); Dom0's also works on Dom0's own threads (its
 * daemons, backends and toolstack), each with its own per-thread argument buffer. After the
 * domain is destroyed every call returns {@code -XEN_ESRCH}.
 *
 * <p>Until guest bytecode is instrumented, the gate's entry and exit are the vCPU's
 * safepoints: a pending preemption, pause or kill takes effect there.
 */
public final class DomainGate implements HypercallGate {

    /** A thread and its context: immutable, so a racy read of {@link #lastThread} is safe. */
    private static final class Owned {
        final Thread thread;
        final CallContext context;

        Owned(Thread thread, CallContext context) {
            this.thread = thread;
            this.context = context;
        }
    }

    private final Domain domain;
    private final Dispatcher dispatcher;
    private final ThreadLocal<Owned> foreignThreads;
    /**
     * The context of the last non-vCPU thread that called: a one-entry cache in front of the
     * ThreadLocal (most calls come from the thread that made the previous one). A plain field:
     * another thread's entry, published through final fields, only costs a lookup.
     */
    private Owned lastThread = new Owned(null, null);

    public DomainGate(Domain domain, Dispatcher dispatcher) {
        this.domain = domain;
        this.dispatcher = dispatcher;
        this.foreignThreads = domain.isPrivileged()
            ? ThreadLocal.withInitial(() -> new Owned(Thread.currentThread(), new CallContext(domain, null)))
            : null;
    }

    @Override
    public long call(int op, long a1, long a2, long a3, long a4, long a5) {
        if (!domain.isAlive()) {
            return -XenErrno.XEN_ESRCH;
        }
        Thread t = Thread.currentThread();
        if (t instanceof VcpuThread vt) {
            Vcpu v = vt.vcpu();
            if (v.domain() != domain) {
                return -XenErrno.XEN_EPERM;
            }
            if (v.safepointRequested()) {
                v.atSafepoint();
            }
            if (!domain.isAlive()) {
                return -XenErrno.XEN_ESRCH;
            }
            domain.physmap().quiesce(v.index());
            long r = dispatcher.dispatch(v.context(), op, a1, a2, a3, a4, a5);
            if (v.safepointRequested()) {
                v.atSafepoint();
            }
            return r;
        }
        if (foreignThreads == null) {
            return -XenErrno.XEN_EPERM;
        }
        Owned o = lastThread;
        if (o.thread != t) {
            o = foreignThreads.get();
            lastThread = o;
        }
        CallContext ctx = o.context;
        try {
            return dispatcher.dispatch(ctx, op, a1, a2, a3, a4, a5);
        } finally {
            ctx.release();
        }
    }

    @Override
    public String toString() {
        return "gate(d" + domain.domid() + ")";
    }
}
