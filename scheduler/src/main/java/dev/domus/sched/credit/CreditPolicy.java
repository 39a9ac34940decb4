package dev.domus.sched.credit;

import dev.domus.sched.SchedDecision;
import dev.domus.sched.SchedParams;
import dev.domus.sched.support.IndexedHeap;
import dev.domus.sched.support.PolicyBase;
import dev.domus.sched.support.SlotSet;
import java.util.Arrays;

/**
 * Xen's credit scheduler ({@code xen/common/sched/credit.c}), the older proportional-share
 * policy.
 *
 * <ul>
 *   <li>every {@link #ACCT_PERIOD} ({@code csched_acct}) the pCPUs' time is handed out as
 *       credit to the active units in proportion to their weights (at most one pCPU's
 *       worth each, and at most their cap); a unit with credit is UNDER, without OVER;
 *       a unit that piles up more than a time slice of credit (it does not use it) leaves
 *       the active set with half of it;</li>
 *   <li>running burns one nanosecond of credit per nanosecond;</li>
 *   <li>each pCPU has its own run queue, ordered BOOST, UNDER, OVER and first-come within
 *       each; a unit that wakes with credit is BOOSTed until it next runs, and tickles a
 *       pCPU running something of lower priority;</li>
 *   <li>a pCPU about to run an OVER unit or go idle steals a better unit from another
 *       pCPU's queue ({@code csched_load_balance});</li>
 *   <li>a capped unit is parked when its credit runs out and unparked at the next
 *       accounting;</li>
 *   <li>a slice lasts {@link #TSLICE}, but never beyond the unit's remaining credit (so
 *       shares follow the weights closely) and never less than the ratelimit.</li>
 * </ul>
 */
public final class CreditPolicy extends PolicyBase {

    /** CSCHED_DEFAULT_TSLICE_MS (30 ms). */
    public static final long TSLICE = 30_000_000L;
    /** CSCHED_TICKS_PER_ACCT * CSCHED_MSECS_PER_TICK: accounting period (30 ms). */
    public static final long ACCT_PERIOD = 30_000_000L;
    /** Xen's default sched_ratelimit_us (1000 us). */
    public static final long DEFAULT_RATELIMIT_NS = 1_000_000L;
    /** How often an idle pCPU looks for work to steal while units wait elsewhere. */
    public static final long IDLE_STEAL_POLL = 1_000_000L;

    /** CSCHED_PRI_TS_BOOST, _UNDER, _OVER as queue ranks (smaller runs first). */
    static final int BOOST = 0;
    static final int UNDER = 1;
    static final int OVER = 2;
    private static final int STEAL_SCAN = 8;
    /**
     * Accounting settles at most this many active units per scheduler call. With no more
     * active units than this, every period is settled at its boundary, exactly as Xen's
     * csched_acct; with more, the grant is computed lazily per unit (a cumulative credit per
     * unit of weight) and settled by a sweep of {@link #SWEEP_BATCH} units per call, or
     * earlier when the unit is scheduled, woken or adjusted, so a decision costs O(log n) plus
     * a constant, not O(n). The price: a queued unit's priority (and a parked unit's unpark)
     * may follow its new credit up to n / SWEEP_BATCH calls late.
     */
    static final int ACCT_BATCH = 64;
    /** Units the sweep settles per scheduler call when there are more than {@link #ACCT_BATCH}. */
    static final int SWEEP_BATCH = 16;

    private final long ratelimitNs;
    private final IndexedHeap[] runq;
    private final boolean[] tickled;
    private long[] credit = new long[16];
    private int[] pri = new int[16];
    private int[] queuedOn = new int[16];
    private long[] runStart = new long[16];
    private boolean[] parked = new boolean[16];
    private boolean[] yielding = new boolean[16];
    private int[] scratch = new int[16];
    private final SlotSet active = new SlotSet(16);
    private int parkedCount;
    private int queued;
    private long nextAcct = ACCT_PERIOD;
    private long seq;
    /** Sum of the weights of the active units (kept as they join and leave). */
    private long activeWeight;
    /** Accounting periods so far, and each active unit's period when last settled. */
    private long period;
    private long[] periodMark = new long[16];
    /** Cumulative credit one unit of weight earned, and each unit's value when last settled. */
    private double creditPerWeight;
    private double[] cpwMark = new double[16];
    /** The last period's total credit and total weight (its grants, computed exactly). */
    private long lastTotal;
    private long lastWeight;
    /** Next index of {@link #active} the sweep settles (descending), or -1. */
    private int sweep = -1;

    public CreditPolicy(int pcpus) {
        this(pcpus, DEFAULT_RATELIMIT_NS);
    }

    public CreditPolicy(int pcpus, long ratelimitNs) {
        super(pcpus);
        if (ratelimitNs < 0 || ratelimitNs > TSLICE) {
            throw new IllegalArgumentException("ratelimit " + ratelimitNs + " ns is out of range 0.." + TSLICE);
        }
        this.ratelimitNs = ratelimitNs;
        runq = new IndexedHeap[pcpus];
        for (int p = 0; p < pcpus; p++) {
            runq[p] = new IndexedHeap(capacity);
        }
        tickled = new boolean[pcpus];
    }

    @Override
    public String name() {
        return "credit";
    }

    /** The unit's current credit in ns (for tests and diagnostics). */
    public long credit(int unitId) {
        int s = slotOf(unitId);
        settle(s);
        return credit[s];
    }

    @Override
    protected void grow(int n) {
        credit = Arrays.copyOf(credit, n);
        pri = Arrays.copyOf(pri, n);
        queuedOn = Arrays.copyOf(queuedOn, n);
        runStart = Arrays.copyOf(runStart, n);
        parked = Arrays.copyOf(parked, n);
        yielding = Arrays.copyOf(yielding, n);
        scratch = Arrays.copyOf(scratch, n);
        periodMark = Arrays.copyOf(periodMark, n);
        cpwMark = Arrays.copyOf(cpwMark, n);
        active.ensureCapacity(n);
        for (IndexedHeap h : runq) {
            h.ensureCapacity(n);
        }
    }

    @Override
    protected void onInsert(int slot) {
        // A new unit starts as if it had just left the active set (half a slice of
        // credit), so its first wake-ups are BOOSTed like any interactive unit's.
        credit[slot] = TSLICE / 2;
        pri[slot] = UNDER;
        queuedOn[slot] = -1;
        parked[slot] = false;
        yielding[slot] = false;
    }

    @Override
    protected void onRemove(int slot) {
        dequeue(slot);
        deactivate(slot);
        if (parked[slot]) {
            parked[slot] = false;
            parkedCount--;
        }
    }

    @Override
    protected void onAdjust(int slot, SchedParams old) {
        if (active.contains(slot)) {
            // Credit owed so far was earned at the old weight and cap.
            int w = weight[slot];
            int c = cap[slot];
            weight[slot] = old.weight();
            cap[slot] = old.cap();
            settle(slot);
            weight[slot] = w;
            cap[slot] = c;
            if (active.contains(slot)) {
                activeWeight += w - old.weight();
            }
        }
        if (cap[slot] == 0 && parked[slot]) {
            unpark(slot);
        }
        int q = queuedOn[slot];
        if (q >= 0 && !allowed(slot, q)) {
            dequeue(slot);
            enqueue(slot, firstAllowed(slot));
        }
    }

    @Override
    protected void descheduledUnexpectedly(int slot) {
        if (runnable[slot] && !parked[slot]) {
            enqueue(slot, allowed(slot, lastCpu[slot]) ? lastCpu[slot] : firstAllowed(slot));
        }
    }

    private int firstAllowed(int s) {
        int fallback = -1;
        for (int p = 0; p < pcpus; p++) {
            if (allowed(s, p)) {
                if (prefers(s, p)) {
                    return p;
                }
                if (fallback < 0) {
                    fallback = p;
                }
            }
        }
        return fallback;
    }

    private void enqueue(int s, int p) {
        runq[p].add(s, pri[s], seq++);
        queuedOn[s] = p;
        queued++;
    }

    private void dequeue(int s) {
        int q = queuedOn[s];
        if (q >= 0) {
            runq[q].remove(s);
            queuedOn[s] = -1;
            queued--;
        }
    }

    @Override
    public int wake(int unitId, long now) {
        int s = slotOf(unitId);
        acctIfDue(now);
        if (runnable[s]) {
            return -1;
        }
        runnable[s] = true;
        settle(s);
        activate(s);
        if (onCpu[s] >= 0 || parked[s]) {
            return -1;
        }
        if (pri[s] == UNDER) {
            pri[s] = BOOST;
        }
        // csched_res_pick: stay on the last pCPU if it is idle, else an idle one (soft
        // affinity first), else the last pCPU (or the first allowed).
        int last = lastCpu[s] >= 0 && allowed(s, lastCpu[s]) ? lastCpu[s] : -1;
        int target = last >= 0 && idle(last) && prefers(s, last) ? last : idleCpuFor(s);
        if (target >= 0) {
            enqueue(s, target);
            tickled[target] = true;
            return target;
        }
        target = last >= 0 ? last : shortestQueue(s);
        if (!preemptable(s, target)) {
            // __runq_tickle: look for another pCPU running something of lower priority.
            for (int p = 0; p < pcpus; p++) {
                if (allowed(s, p) && preemptable(s, p)) {
                    target = p;
                    break;
                }
            }
        }
        enqueue(s, target);
        if (preemptable(s, target)) {
            tickled[target] = true;
            return target;
        }
        return -1;
    }

    /** For a unit that never ran: the allowed pCPU with the fewest queued units (soft first). */
    private int shortestQueue(int s) {
        int best = -1;
        boolean bestSoft = false;
        for (int p = 0; p < pcpus; p++) {
            if (!allowed(s, p)) {
                continue;
            }
            boolean soft = prefers(s, p);
            if (best < 0 || (soft && !bestSoft) || (soft == bestSoft && runq[p].size() < runq[best].size())) {
                best = p;
                bestSoft = soft;
            }
        }
        return best;
    }

    private boolean preemptable(int s, int p) {
        int c = curr[p];
        return !tickled[p] && c >= 0 && pri[s] < pri[c];
    }

    private boolean idle(int p) {
        return curr[p] < 0 && !tickled[p];
    }

    private int idleCpuFor(int s) {
        int fallback = -1;
        for (int p = 0; p < pcpus; p++) {
            if (idle(p) && allowed(s, p)) {
                if (prefers(s, p)) {
                    return p;
                }
                if (fallback < 0) {
                    fallback = p;
                }
            }
        }
        return fallback;
    }

    @Override
    public void sleep(int unitId, long now) {
        int s = slotOf(unitId);
        runnable[s] = false;
        dequeue(s);
    }

    @Override
    public void yield(int unitId, long now) {
        yielding[slotOf(unitId)] = true;
    }

    @Override
    public SchedDecision schedule(int pcpu, long now, int prevUnit, long prevRanNs, boolean prevRunnable,
                                  SchedDecision out) {
        checkCpu(pcpu);
        int prev = resolvePrev(pcpu, prevUnit);
        tickled[pcpu] = false;
        lastSchedule[pcpu] = now;
        acctIfDue(now);
        boolean yielded = false;
        if (prev >= 0) {
            long ran = Math.max(0, prevRanNs);
            curr[pcpu] = -1;
            onCpu[prev] = -1;
            runnable[prev] = prevRunnable;
            settle(prev);
            credit[prev] -= ran;
            if (ran > 0) {
                activate(prev);
            }
            // BOOST lasts until the unit has run; then its credit decides.
            pri[prev] = credit[prev] > 0 ? UNDER : OVER;
            yielded = yielding[prev];
            yielding[prev] = false;
            if (cap[prev] > 0 && credit[prev] <= 0) {
                park(prev);
            }
            if (prevRunnable && !parked[prev]) {
                if (!yielded && allowed(prev, pcpu) && now - runStart[prev] < ratelimitNs) {
                    long rest = ratelimitNs - (now - runStart[prev]);
                    run(pcpu, prev, now, false);
                    return out.set(idOf(prev), limit(prev, rest));
                }
                enqueue(prev, allowed(prev, pcpu) ? pcpu : firstAllowed(prev));
            }
        }
        int next = runq[pcpu].poll();
        if (next >= 0) {
            queuedOn[next] = -1;
            queued--;
        }
        if (next < 0 || pri[next] == OVER) {
            int stolen = steal(pcpu, next < 0 ? OVER + 1 : pri[next]);
            if (stolen >= 0) {
                if (next >= 0) {
                    enqueue(next, pcpu);
                }
                next = stolen;
            }
        }
        if (yielded && next == prev && runq[pcpu].size() > 0) {
            // A yielding unit goes behind its peers of the same priority.
            int other = runq[pcpu].peek();
            if (pri[other] <= pri[prev]) {
                runq[pcpu].poll();
                queuedOn[other] = -1;
                queued--;
                enqueue(prev, pcpu);
                next = other;
            }
        }
        if (next < 0) {
            long timer = SchedDecision.NO_TIMEOUT;
            if (queued > 0) {
                timer = IDLE_STEAL_POLL;
            } else if (parkedCount > 0) {
                timer = nextAcct - now;
            }
            return out.set(SchedDecision.IDLE, Math.max(1, timer));
        }
        settle(next);
        run(pcpu, next, now, next != prev);
        long slice;
        if (pri[next] == OVER) {
            slice = Math.min(TSLICE, nextAcct - now);
        } else {
            slice = Math.min(TSLICE, credit[next]);
        }
        slice = Math.max(slice, ratelimitNs - (now - runStart[next]));
        return out.set(idOf(next), limit(next, slice));
    }

    private long limit(int s, long slice) {
        if (cap[s] > 0) {
            slice = Math.min(slice, credit[s]);
        }
        return Math.max(1, slice);
    }

    private void run(int pcpu, int s, long now, boolean newStint) {
        curr[pcpu] = s;
        onCpu[s] = pcpu;
        lastCpu[s] = pcpu;
        if (newStint) {
            runStart[s] = now;
        }
    }

    /**
     * csched_load_balance: the first unit on another pCPU's queue with a better priority
     * than {@code worseThan} that may run here, removed from its queue; or -1.
     */
    private int steal(int pcpu, int worseThan) {
        if (queued == 0) {
            return -1;
        }
        // Two passes, as Xen's balance steps: units that prefer this pCPU, then any.
        for (int step = 0; step < 2; step++) {
            int found = stealFrom(pcpu, worseThan, step == 0);
            if (found >= 0) {
                return found;
            }
        }
        return -1;
    }

    private int stealFrom(int pcpu, int worseThan, boolean softStep) {
        for (int i = 1; i < pcpus; i++) {
            int q = (pcpu + i) % pcpus;
            IndexedHeap h = runq[q];
            if (h.isEmpty() || pri[h.peek()] >= worseThan) {
                continue;
            }
            int held = 0;
            int found = -1;
            int s;
            while (held < STEAL_SCAN && (s = h.poll()) >= 0) {
                if (pri[s] >= worseThan) {
                    scratch[held++] = s;
                    break;
                }
                if (allowed(s, pcpu) && (!softStep || prefers(s, pcpu))) {
                    found = s;
                    break;
                }
                scratch[held++] = s;
            }
            for (int k = 0; k < held; k++) {
                h.restore(scratch[k]);
            }
            if (found >= 0) {
                queuedOn[found] = -1;
                queued--;
                return found;
            }
        }
        return -1;
    }

    private void park(int s) {
        if (!parked[s]) {
            parked[s] = true;
            parkedCount++;
            dequeue(s);
        }
    }

    private void unpark(int s) {
        parked[s] = false;
        parkedCount--;
        if (runnable[s] && onCpu[s] < 0) {
            enqueue(s, lastCpu[s] >= 0 && allowed(s, lastCpu[s]) ? lastCpu[s] : firstAllowed(s));
        }
    }

    private void activate(int s) {
        if (active.add(s)) {
            activeWeight += weight[s];
            periodMark[s] = period;
            cpwMark[s] = creditPerWeight;
        }
    }

    private void deactivate(int s) {
        if (active.remove(s)) {
            activeWeight -= weight[s];
        }
    }

    /**
     * csched_acct: hands out the pCPUs' time as credit, by weight, to the active units. The
     * period's share per unit of weight is recorded at once; units are settled now if there
     * are few, else by the sweep ({@link #SWEEP_BATCH} per call) or when next touched.
     */
    private void acctIfDue(long now) {
        if (now >= nextAcct) {
            long periods = (now - nextAcct) / ACCT_PERIOD + 1;
            nextAcct += periods * ACCT_PERIOD;
            // As before, several elapsed periods grant one period's credit.
            period++;
            lastTotal = ACCT_PERIOD * pcpus;
            lastWeight = activeWeight;
            if (activeWeight > 0) {
                creditPerWeight += (double) lastTotal / activeWeight;
            }
            if (active.size() <= ACCT_BATCH) {
                settleAll();
                return;
            }
            sweep = active.size() - 1;
        }
        for (int budget = SWEEP_BATCH; sweep >= 0 && budget > 0; budget--) {
            int i = sweep--;
            if (i < active.size()) {
                settle(active.get(i)); // may swap a settled member into index i: it is skipped
            }
        }
    }

    /** Settles every active unit, in Xen's order: grants first, then who leaves the active set. */
    private void settleAll() {
        sweep = -1;
        for (int i = 0; i < active.size(); i++) {
            grant(active.get(i));
        }
        // Units that do not use their credit leave the active set with half of it.
        for (int i = active.size() - 1; i >= 0; i--) {
            int s = active.get(i);
            if (credit[s] > TSLICE) {
                credit[s] /= 2;
                deactivate(s);
            }
        }
    }

    /** Brings an active unit's credit up to date (grant, then the leave rule). */
    private void settle(int s) {
        if (!active.contains(s) || periodMark[s] == period) {
            return;
        }
        grant(s);
        if (credit[s] > TSLICE) {
            credit[s] /= 2;
            deactivate(s);
        }
    }

    /** The credit an active unit earned in the periods since it was last settled. */
    private void grant(int s) {
        long periods = period - periodMark[s];
        if (periods <= 0) {
            return;
        }
        long fair;
        if (periods == 1) {
            fair = lastWeight == 0 ? 0 : Math.min(ACCT_PERIOD, lastTotal * weight[s] / lastWeight);
        } else {
            fair = Math.min(ACCT_PERIOD * periods, (long) (weight[s] * (creditPerWeight - cpwMark[s])));
        }
        if (cap[s] > 0) {
            fair = Math.min(fair, ACCT_PERIOD * cap[s] / 100 * periods);
        }
        periodMark[s] = period;
        cpwMark[s] = creditPerWeight;
        long c = credit[s] + fair;
        if (c < -TSLICE) {
            c = -TSLICE;
        }
        credit[s] = c;
        if (parked[s] && c > 0) {
            unpark(s);
        }
        int np = c > 0 ? (pri[s] == BOOST ? BOOST : UNDER) : OVER;
        if (np != pri[s]) {
            pri[s] = np;
            int q = queuedOn[s];
            if (q >= 0) {
                runq[q].update(s, np);
            }
        }
    }
}
