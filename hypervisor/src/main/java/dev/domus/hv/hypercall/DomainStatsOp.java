package dev.domus.hv.hypercall;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.DomusStats;
import dev.domus.abi.Hypercalls;
import dev.domus.hv.domain.Domain;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@link DomusStats#XEN_DOMCTL_domus_getstats}: sums a domain's counters (every calling
 * context's hypercall counters, its vCPUs' runstate times, its event channels' deliveries) and
 * writes them to Dom0. A cold path: it runs when Dom0 samples the host.
 */
final class DomainStatsOp {

    private static final int U = CallContext.ARG_OFFSET + 16;
    private static final int CHUNK = CallContext.BULK_LENGTH / DomusStats.DOMUS_STATS_ENTRY_SIZE;

    private DomainStatsOp() {
    }

    static long getstats(CallContext ctx, long arg, Domain d) {
        UnsafeBuffer b = ctx.buffer();
        long buffer = b.getLong(U + DomusStats.BUFFER_OFFSET, LITTLE_ENDIAN);
        long capacity = buffer == 0 ? 0 : Integer.toUnsignedLong(b.getInt(U + DomusStats.NR_ENTRIES_OFFSET, LITTLE_ENDIAN));
        long[][] sums = d.counters().sum();
        Writer w = new Writer(ctx, buffer, capacity);
        int subops = HypercallCounters.SUBOPS;
        for (int kind : new int[] {DomusStats.DOMUS_STATS_calls, DomusStats.DOMUS_STATS_items}) {
            long[] t = kind == DomusStats.DOMUS_STATS_calls ? sums[0] : sums[1];
            for (int i = 0; i < t.length; i++) {
                if (t[i] != 0) {
                    int sub = i % subops;
                    int subop = sub == subops - 1 ? DomusStats.DOMUS_STATS_SUBOP_OTHER : sub;
                    if (!HypercallCounters.multiplexed(i / subops)) {
                        subop = DomusStats.DOMUS_STATS_SUBOP_NONE;
                    }
                    if (w.put(i / subops, subop, 0, kind, t[i]) < 0) {
                        return -dev.domus.abi.XenErrno.XEN_EFAULT;
                    }
                }
            }
        }
        long[] errors = sums[2];
        for (int i = 0; i < errors.length; i++) {
            if (errors[i] != 0) {
                int errno = HypercallCounters.SLOT_ERRNO[i % HypercallCounters.ERRNO_SLOTS];
                if (w.put(i / HypercallCounters.ERRNO_SLOTS, DomusStats.DOMUS_STATS_SUBOP_NONE, errno,
                        DomusStats.DOMUS_STATS_errors, errors[i]) < 0) {
                    return -dev.domus.abi.XenErrno.XEN_EFAULT;
                }
            }
        }
        long[] wake = d.wakeLatency();
        int sumAt = wake.length - 1;
        for (int bucket = DomusStats.DOMUS_STATS_WAKE_LATENCY_MIN_LOG2; bucket < sumAt; bucket++) {
            if (wake[bucket] != 0 && w.put(bucket, DomusStats.DOMUS_STATS_SUBOP_NONE, 0, DomusStats.DOMUS_STATS_wake_latency,
                    wake[bucket]) < 0) {
                return -dev.domus.abi.XenErrno.XEN_EFAULT;
            }
        }
        if (wake[sumAt] != 0 && w.put(0, DomusStats.DOMUS_STATS_SUBOP_NONE, 0, DomusStats.DOMUS_STATS_wake_latency_sum,
                wake[sumAt]) < 0) {
            return -dev.domus.abi.XenErrno.XEN_EFAULT;
        }
        if (w.flush() < 0) {
            return -dev.domus.abi.XenErrno.XEN_EFAULT;
        }
        long[] runstate = new long[4];
        d.addRunstateTimes(runstate);
        b.putInt(U + DomusStats.NR_ENTRIES_OFFSET, w.total, LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            b.putLong(U + DomusStats.RUNSTATE_TIME_OFFSET + 8 * i, runstate[i], LITTLE_ENDIAN);
        }
        b.putLong(U + DomusStats.EVENTS_RECEIVED_OFFSET, d.events().received(), LITTLE_ENDIAN);
        return ctx.copyOut(arg + 16 + DomusStats.NR_ENTRIES_OFFSET, U + DomusStats.NR_ENTRIES_OFFSET,
                DomusStats.LENGTH - DomusStats.NR_ENTRIES_OFFSET);
    }

    /** Writes entries through the context's bulk area, a chunk at a time, up to the capacity. */
    private static final class Writer {
        private final CallContext ctx;
        private final long buffer;
        private final long capacity;
        private int total;
        private int inChunk;
        private long chunkStart;

        Writer(CallContext ctx, long buffer, long capacity) {
            this.ctx = ctx;
            this.buffer = buffer;
            this.capacity = capacity;
        }

        int put(int op, int subop, int errno, int kind, long count) {
            if (op < 0 || op >= Hypercalls.NR_HYPERCALLS) {
                return 0;
            }
            if (total < capacity) {
                int o = CallContext.BULK_OFFSET + inChunk * DomusStats.DOMUS_STATS_ENTRY_SIZE;
                UnsafeBuffer b = ctx.buffer();
                b.putByte(o + DomusStats.ENTRY_OP_OFFSET, (byte) op);
                b.putByte(o + DomusStats.ENTRY_SUBOP_OFFSET, (byte) subop);
                b.putShort(o + DomusStats.ENTRY_XEN_ERRNO_OFFSET, (short) errno, LITTLE_ENDIAN);
                b.putInt(o + DomusStats.ENTRY_KIND_OFFSET, kind, LITTLE_ENDIAN);
                b.putLong(o + DomusStats.ENTRY_COUNT_OFFSET, count, LITTLE_ENDIAN);
                inChunk++;
                if (inChunk == CHUNK) {
                    int rc = flush();
                    if (rc < 0) {
                        return rc;
                    }
                }
            }
            total++;
            return 0;
        }

        int flush() {
            if (inChunk == 0) {
                return 0;
            }
            int rc = ctx.copyOut(buffer + chunkStart * DomusStats.DOMUS_STATS_ENTRY_SIZE, CallContext.BULK_OFFSET,
                    inChunk * DomusStats.DOMUS_STATS_ENTRY_SIZE);
            chunkStart += inChunk;
            inChunk = 0;
            return rc;
        }
    }
}
