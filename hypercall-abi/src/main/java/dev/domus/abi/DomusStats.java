package dev.domus.abi;

/**
 * The Domus extension to {@code XEN_DOMCTL_*} that reads a domain's activity counters, what
 * {@code domus top} and the metrics endpoint show beyond {@code getdomaininfo}: the vCPUs'
 * runstate times (as {@code VCPUOP_get_runstate_info} reports them for one vCPU, here summed
 * over the domain's vCPUs), the events marked pending on its ports, and its hypercalls by
 * number, sub-op and error. Command number {@link #XEN_DOMCTL_domus_getstats} is one Xen
 * 4.17's {@code domctl.h} leaves unassigned.
 *
 * <pre>
 * struct xen_domctl_domus_getstats {   // in xen_domctl.u, at offset 16 of xen_domctl
 *     uint64_t buffer;                 // IN  0   Dom0 guest address of an array of
 *                                      //         struct domus_stats_entry (0 = none)
 *     uint32_t nr_entries;             // IN/OUT 8  IN: capacity of buffer in entries;
 *                                      //         OUT: entries the domain has (only the
 *                                      //         first IN-many were written)
 *     uint32_t pad;                    // 12
 *     uint64_t runstate_time[4];       // OUT 16  nanoseconds, summed over the vCPUs, in
 *                                      //         RUNSTATE_running/runnable/blocked/offline
 *     uint64_t events_received;        // OUT 48  events marked pending on the domain's
 *                                      //         ports (interdomain, IPI and VIRQ)
 * };                                   // 56 bytes
 *
 * struct domus_stats_entry {           // 16 bytes, only non-zero counts are listed
 *     uint8_t  op;                     // 0   __HYPERVISOR_* number
 *     uint8_t  subop;                  // 1   the sub-op (cmd) for multiplexed hypercalls,
 *                                      //     DOMUS_STATS_SUBOP_NONE for the others and for
 *                                      //     errors, DOMUS_STATS_SUBOP_OTHER out of range
 *     uint16_t xen_errno;              // 2   DOMUS_STATS_errors: the XEN_E* returned
 *     uint32_t kind;                   // 4   DOMUS_STATS_calls, _errors or _items
 *     uint64_t count;                  // 8
 * };
 * </pre>
 * Kinds: {@code calls} counts every call of (op, subop), whatever it returned;
 * {@code errors} counts the calls of op that returned {@code -xen_errno}; {@code items} counts
 * the work units of successful calls where a call carries several: grant_table_op entries
 * (its {@code count} argument) and the bytes of {@code CONSOLEIO_write}.
 * {@code wake_latency} is the scheduler's wake-to-run histogram, summed over the vCPUs: an
 * entry with {@code op} = b counts the wake-ups (blocked or paused to runnable) that were given
 * a pCPU within [2^(b-1), 2^b) ns; b runs from {@link #DOMUS_STATS_WAKE_LATENCY_MIN_LOG2} (which also
 * counts everything faster) to {@link #DOMUS_STATS_WAKE_LATENCY_MAX_LOG2} (everything slower).
 * {@code wake_latency_sum} (op 0) is the total of those latencies in ns.
 *
 * <p>Privileged (Dom0) only. Errors: {@code -XEN_EPERM} (not Dom0), {@code -XEN_ESRCH} (no
 * such domain), {@code -XEN_EFAULT} (buffer not in Dom0's memory).
 */
public final class DomusStats {

    private DomusStats() {
    }

    /** Domctl command number of the stats extension (unassigned in Xen 4.17). */
    public static final int XEN_DOMCTL_domus_getstats = 201;

    public static final int BUFFER_OFFSET = 0;
    public static final int NR_ENTRIES_OFFSET = 8;
    public static final int RUNSTATE_TIME_OFFSET = 16;
    public static final int EVENTS_RECEIVED_OFFSET = 48;
    public static final int LENGTH = 56;

    /** struct domus_stats_entry. */
    public static final int ENTRY_OP_OFFSET = 0;
    public static final int ENTRY_SUBOP_OFFSET = 1;
    public static final int ENTRY_XEN_ERRNO_OFFSET = 2;
    public static final int ENTRY_KIND_OFFSET = 4;
    public static final int ENTRY_COUNT_OFFSET = 8;
    public static final int DOMUS_STATS_ENTRY_SIZE = 16;

    public static final int DOMUS_STATS_calls = 0;
    public static final int DOMUS_STATS_errors = 1;
    public static final int DOMUS_STATS_items = 2;
    public static final int DOMUS_STATS_wake_latency = 3;
    public static final int DOMUS_STATS_wake_latency_sum = 4;

    /** The first wake-latency bucket: 2^10 ns (about 1 us) and below. */
    public static final int DOMUS_STATS_WAKE_LATENCY_MIN_LOG2 = 10;
    /** The last wake-latency bucket: above 2^32 ns (about 4.3 s). */
    public static final int DOMUS_STATS_WAKE_LATENCY_MAX_LOG2 = 33;

    /** The wake-latency bucket (an {@code op} value) a latency of {@code ns} falls in. */
    public static int wakeLatencyBucket(long ns) {
        int b = 64 - Long.numberOfLeadingZeros(Math.max(0, ns)); // ns < 2^b
        return Math.max(DOMUS_STATS_WAKE_LATENCY_MIN_LOG2, Math.min(DOMUS_STATS_WAKE_LATENCY_MAX_LOG2, b));
    }

    /** Sub-ops 0..{@value} are counted one by one. */
    public static final int DOMUS_STATS_SUBOP_MAX = 31;
    /** The hypercall has no sub-op in its first argument (or the entry counts errors). */
    public static final int DOMUS_STATS_SUBOP_NONE = 255;
    /** A sub-op above {@link #DOMUS_STATS_SUBOP_MAX} or negative. */
    public static final int DOMUS_STATS_SUBOP_OTHER = 254;
}
