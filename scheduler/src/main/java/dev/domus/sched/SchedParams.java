package dev.domus.sched;

import java.util.BitSet;

/**
 * Per-unit scheduling parameters, the union of what Xen's policies take
 * ({@code xen_domctl_sched_credit2}, {@code _credit}, {@code _rtds}, and vCPU affinity).
 * A policy reads the fields it understands and validates them in
 * {@link SchedulingPolicy#adjust}.
 *
 * @param weight       proportional share, 1..65535 (Xen's default 256)
 * @param cap          upper bound in percent of one pCPU, 0 = no cap
 * @param periodNs     RTDS period
 * @param budgetNs     RTDS budget per period
 * @param hardAffinity pCPUs the unit may run on; null = all
 * @param softAffinity pCPUs the unit prefers; null = no preference
 */
public record SchedParams(int weight, int cap, long periodNs, long budgetNs,
                          BitSet hardAffinity, BitSet softAffinity) {

    public static final int DEFAULT_WEIGHT = 256;
    public static final int MAX_WEIGHT = 65535;
    /** Xen's RTDS defaults: 10 ms period, 4 ms budget. */
    public static final long DEFAULT_PERIOD_NS = 10_000_000L;
    public static final long DEFAULT_BUDGET_NS = 4_000_000L;

    public static SchedParams defaults() {
        return new SchedParams(DEFAULT_WEIGHT, 0, DEFAULT_PERIOD_NS, DEFAULT_BUDGET_NS, null, null);
    }

    public SchedParams withWeight(int w) {
        return new SchedParams(w, cap, periodNs, budgetNs, hardAffinity, softAffinity);
    }

    public SchedParams withCap(int c) {
        return new SchedParams(weight, c, periodNs, budgetNs, hardAffinity, softAffinity);
    }

    public SchedParams withRt(long period, long budget) {
        return new SchedParams(weight, cap, period, budget, hardAffinity, softAffinity);
    }

    public SchedParams withHardAffinity(BitSet cpus) {
        return new SchedParams(weight, cap, periodNs, budgetNs, cpus, softAffinity);
    }

    public SchedParams withSoftAffinity(BitSet cpus) {
        return new SchedParams(weight, cap, periodNs, budgetNs, hardAffinity, cpus);
    }
}
