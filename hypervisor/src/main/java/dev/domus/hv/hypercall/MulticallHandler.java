package dev.domus.hv.hypercall;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.Hypercalls;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Vcpu;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code __HYPERVISOR_multicall(call_list, nr_calls)} (xen.h {@code multicall_entry}: op
 * @0, result @8, args[6] @16; 64 bytes). Runs the entries in order; each entry is copied in
 * once, run through the dispatcher like a synchronous call, and its result written back. A
 * failing entry fails alone (its result carries the error). A multicall inside a multicall is
 * refused with {@code -XEN_EINVAL}, as on Xen. If an entry cannot be read or its result
 * cannot be written back, the multicall stops and returns {@code -XEN_EFAULT}. Between
 * entries the calling vCPU passes a safepoint, so a long batch is still preemptible.
 */
final class MulticallHandler implements HypercallHandler {

    static final int ENTRY_SIZE = 64;
    private static final int M = CallContext.MC_OFFSET;

    private final Dispatcher dispatcher;

    MulticallHandler(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public long handle(CallContext ctx, long callList, long nrCalls, long a3, long a4, long a5) {
        if (ctx.multicallDepth > 0) {
            return -XenErrno.XEN_EINVAL;
        }
        if (nrCalls < 0) {
            return -XenErrno.XEN_EINVAL;
        }
        UnsafeBuffer b = ctx.buffer();
        Vcpu v = ctx.vcpu();
        ctx.multicallDepth++;
        try {
            for (long i = 0; i < nrCalls; i++) {
                long entry = callList + i * ENTRY_SIZE;
                if (ctx.copyIn(entry, M, ENTRY_SIZE) < 0) {
                    return -XenErrno.XEN_EFAULT;
                }
                long op = b.getLong(M, LITTLE_ENDIAN);
                long result;
                if (op < 0 || op >= Hypercalls.NR_HYPERCALLS) {
                    result = -XenErrno.XEN_ENOSYS;
                } else {
                    result = dispatcher.dispatch(ctx, (int) op,
                        b.getLong(M + 16, LITTLE_ENDIAN), b.getLong(M + 24, LITTLE_ENDIAN),
                        b.getLong(M + 32, LITTLE_ENDIAN), b.getLong(M + 40, LITTLE_ENDIAN),
                        b.getLong(M + 48, LITTLE_ENDIAN));
                }
                b.putLong(M + 8, result, LITTLE_ENDIAN);
                if (ctx.copyOut(entry + 8, M + 8, 8) < 0) {
                    return -XenErrno.XEN_EFAULT;
                }
                if (v != null && v.safepointRequested()) {
                    v.atSafepoint();
                }
            }
            return 0;
        } finally {
            ctx.multicallDepth--;
        }
    }
}
