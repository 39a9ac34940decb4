package dev.domus.hv.hypercall;

import dev.domus.abi.ConsoleIo;
import dev.domus.abi.DomusStats;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.XenErrno;

/**
 * One {@link CallContext}'s hypercall counters: calls by number and sub-op, errors by number
 * and {@code XEN_E*}, and the work items of batched calls (see {@link DomusStats}). A context
 * belongs to one thread at a time, so these are plain longs with a single writer; a reader
 * (the getstats domctl) sums every context of a domain and may see a count one call late.
 * Recording allocates nothing after a context's first error (the error table is made then).
 */
public final class HypercallCounters {

    /** Sub-op slots per hypercall: 0..SUBOP_MAX, then one for "other". */
    static final int SUBOPS = DomusStats.DOMUS_STATS_SUBOP_MAX + 2;
    private static final int OTHER = SUBOPS - 1;
    /** The XEN_E* values Xen 4.17 defines fit below this. */
    static final int MAX_ERRNO = 128;
    /** XEN_E* to a dense slot (0 = any other value), so the error table stays small. */
    private static final byte[] ERRNO_SLOT = new byte[MAX_ERRNO];
    /** Dense slot to XEN_E*, the inverse of {@link #ERRNO_SLOT}. */
    static final int[] SLOT_ERRNO;

    static {
        int[] known = {XenErrno.XEN_EPERM, XenErrno.XEN_ENOENT, XenErrno.XEN_ESRCH, XenErrno.XEN_EINTR,
            XenErrno.XEN_EIO, XenErrno.XEN_ENXIO, XenErrno.XEN_E2BIG, XenErrno.XEN_ENOEXEC, XenErrno.XEN_EBADF,
            XenErrno.XEN_ECHILD, XenErrno.XEN_EAGAIN, XenErrno.XEN_ENOMEM, XenErrno.XEN_EACCES,
            XenErrno.XEN_EFAULT, XenErrno.XEN_EBUSY, XenErrno.XEN_EEXIST, XenErrno.XEN_EXDEV,
            XenErrno.XEN_ENODEV, XenErrno.XEN_ENOTDIR, XenErrno.XEN_EISDIR, XenErrno.XEN_EINVAL,
            XenErrno.XEN_ENFILE, XenErrno.XEN_EMFILE, XenErrno.XEN_ENOSPC, XenErrno.XEN_EROFS,
            XenErrno.XEN_EMLINK, XenErrno.XEN_EDOM, XenErrno.XEN_ERANGE, XenErrno.XEN_EDEADLK,
            XenErrno.XEN_ENAMETOOLONG, XenErrno.XEN_ENOLCK, XenErrno.XEN_ENOSYS, XenErrno.XEN_ENOTEMPTY,
            XenErrno.XEN_ENODATA, XenErrno.XEN_ETIME, XenErrno.XEN_EBADMSG, XenErrno.XEN_EOVERFLOW,
            XenErrno.XEN_EILSEQ, XenErrno.XEN_ERESTART, XenErrno.XEN_ENOTSOCK, XenErrno.XEN_EMSGSIZE,
            XenErrno.XEN_EOPNOTSUPP, XenErrno.XEN_EADDRINUSE, XenErrno.XEN_EADDRNOTAVAIL,
            XenErrno.XEN_ENOBUFS, XenErrno.XEN_EISCONN, XenErrno.XEN_ENOTCONN, XenErrno.XEN_ETIMEDOUT,
            XenErrno.XEN_ECONNREFUSED};
        SLOT_ERRNO = new int[known.length + 1];
        for (int i = 0; i < known.length; i++) {
            ERRNO_SLOT[known[i]] = (byte) (i + 1);
            SLOT_ERRNO[i + 1] = known[i];
        }
    }

    /** Error slots per hypercall. */
    static final int ERRNO_SLOTS = 1 + 49;

    /** Which hypercalls take their sub-op (cmd) in the first argument, as Xen's do. */
    private static final boolean[] MULTIPLEXED = new boolean[Hypercalls.NR_HYPERCALLS];

    static {
        for (int op : new int[] {Hypercalls.__HYPERVISOR_memory_op, Hypercalls.__HYPERVISOR_xen_version,
            Hypercalls.__HYPERVISOR_console_io, Hypercalls.__HYPERVISOR_grant_table_op,
            Hypercalls.__HYPERVISOR_vcpu_op, Hypercalls.__HYPERVISOR_sched_op,
            Hypercalls.__HYPERVISOR_event_channel_op, Hypercalls.__HYPERVISOR_physdev_op,
            Hypercalls.__HYPERVISOR_hvm_op, Hypercalls.__HYPERVISOR_domus_async_op}) {
            MULTIPLEXED[op] = true;
        }
    }

    private final long[] calls = new long[Hypercalls.NR_HYPERCALLS * SUBOPS];
    private final long[] items = new long[Hypercalls.NR_HYPERCALLS * SUBOPS];
    private long[] errors;
    private long badNumbers;
    /** The thread that owns these counters when it is not a vCPU (a Dom0 thread), else null. */
    final Thread owner;

    HypercallCounters(Thread owner) {
        this.owner = owner;
    }

    /** Whether hypercall {@code op} takes its sub-op in its first argument. */
    static boolean multiplexed(int op) {
        return op >= 0 && op < MULTIPLEXED.length && MULTIPLEXED[op];
    }

    /** Counts one call that returned {@code result}; returns {@code result}. */
    long record(int op, long a1, long a2, long a3, long result) {
        if (op < 0 || op >= Hypercalls.NR_HYPERCALLS) {
            badNumbers++;
            return result;
        }
        int slot = op * SUBOPS + (!MULTIPLEXED[op] ? 0 : a1 >= 0 && a1 < OTHER ? (int) a1 : OTHER);
        calls[slot]++;
        if (result < 0) {
            long e = -result;
            long[] t = errors;
            if (t == null) {
                t = errors = new long[Hypercalls.NR_HYPERCALLS * ERRNO_SLOTS];
            }
            t[op * ERRNO_SLOTS + (e < MAX_ERRNO ? ERRNO_SLOT[(int) e] : 0)]++;
        } else if (op == Hypercalls.__HYPERVISOR_grant_table_op && a3 > 0) {
            items[slot] += a3;
        } else if (op == Hypercalls.__HYPERVISOR_console_io && a1 == ConsoleIo.CONSOLEIO_write && a2 > 0) {
            items[slot] += a2;
        }
        return result;
    }

    /**
     * Adds these counts into the sums: {@code calls} and {@code items} indexed
     * {@code op * SUBOPS + subop slot}, {@code errors} {@code op * ERRNO_SLOTS + errno slot}.
     */
    void addTo(long[] callSum, long[] itemSum, long[] errorSum) {
        for (int i = 0; i < calls.length; i++) {
            callSum[i] += calls[i];
            itemSum[i] += items[i];
        }
        long[] t = errors;
        if (t != null) {
            for (int i = 0; i < t.length; i++) {
                errorSum[i] += t[i];
            }
        }
    }

    /** Calls with a number outside the table (they got -XEN_ENOSYS). */
    long badNumbers() {
        return badNumbers;
    }
}
