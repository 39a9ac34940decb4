package dev.domus.hv.hypercall;

import dev.domus.abi.GuestMemoryFault;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.XenErrno;
import dev.domus.hv.loader.GuestTermination;

/**
 * The hypercall table: Xen's {@code hypercall_table}, indexed by hypercall number. Unknown
 * numbers give {@code -XEN_ENOSYS}. Nothing a guest passes makes it throw: a guest memory
 * fault becomes {@code -XEN_EFAULT}, any other unexpected exception {@code -XEN_EINVAL}
 * (the request fails, nothing else). Only {@link GuestTermination} (an Error) passes through, to unwind a
 * vCPU whose domain is being destroyed.
 */
public final class Dispatcher {

    private final HypercallHandler[] table = new HypercallHandler[Hypercalls.NR_HYPERCALLS];

    /** Installs the handler for hypercall {@code op} (wiring time only). */
    public synchronized void register(int op, HypercallHandler handler) {
        if (op < 0 || op >= table.length) {
            throw new IllegalArgumentException("hypercall number out of range: " + op);
        }
        table[op] = handler;
    }

    public long dispatch(CallContext ctx, int op, long a1, long a2, long a3, long a4, long a5) {
        return ctx.counters.record(op, a1, a2, a3, invoke(ctx, op, a1, a2, a3, a4, a5));
    }

    private long invoke(CallContext ctx, int op, long a1, long a2, long a3, long a4, long a5) {
        if (op < 0 || op >= table.length) {
            return -XenErrno.XEN_ENOSYS;
        }
        HypercallHandler h = table[op];
        if (h == null) {
            return -XenErrno.XEN_ENOSYS;
        }
        try {
            return h.handle(ctx, a1, a2, a3, a4, a5);
        } catch (GuestMemoryFault fault) {
            return -XenErrno.XEN_EFAULT;
        } catch (RuntimeException unexpected) {
            return -XenErrno.XEN_EINVAL;
        }
    }
}
