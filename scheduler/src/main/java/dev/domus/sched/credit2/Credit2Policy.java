package dev.domus.sched.credit2;

import dev.domus.sched.SchedDecision;
import dev.domus.sched.SchedParams;
import dev.domus.sched.support.IndexedHeap;
import dev.domus.sched.support.PolicyBase;
import dev.domus.sched.support.SlotSet;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Xen's credit2 scheduler ({@code xen/common/sched/credit2.c}), the default policy.
 *
 * <ul>
 *   <li>pCPUs are grouped into runqueues of {@code cpusPerRunqueue} (Xen groups by
 *       socket); each runqueue keeps its runnable units in a heap ordered by credit, so the
 *       pick is O(log n);</li>
 *   <li>running burns credit at {@code maxWeight / weight} ns of credit per ns, so a
 *       heavier unit burns slower; when the best candidate has no credit left, every unit
 *       of the runqueue gets {@link #CREDIT_INIT} more (carrying over at most
 *       {@link #CARRYOVER_MAX}): Xen's {@code reset_credit};</li>
 *   <li>a slice lasts until the unit's credit falls to the next candidate's, between
 *       {@link #MIN_TIMER} and {@link #MAX_TIMER}, and never less than what remains of the
 *       ratelimit: a unit keeps its pCPU for at least {@code ratelimit} once it got it;</li>
 *   <li>a wake-up goes to an idle pCPU (soft affinity first, then hard), else tickles the
 *       pCPU whose unit has the least credit if the woken unit has more;</li>
 *   <li>a cap (percent of one pCPU) is a budget per {@link #BUDGET_PERIOD}; a unit that
 *       spent it is parked until the next period (Xen accounts caps per domain; here per
 *       unit, which is the same for one-vCPU domains);</li>
 *   <li>runqueues balance: every {@link #BALANCE_INTERVAL} and whenever a pCPU would go
 *       idle, a runqueue pulls a unit from the most loaded one.</li>
 * </ul>
 *
 * <p>Not thread-safe; wake, sleep and schedule allocate nothing.
 */
public final class Credit2Policy extends PolicyBase {

    /** CSCHED2_CREDIT_INIT: credit given at each reset. */
    public static final long CREDIT_INIT = 10_000_000L;
    /** CSCHED2_MIN_TIMER: shortest slice. */
    public static final long MIN_TIMER = 500_000L;
    /** CSCHED2_MAX_TIMER: longest slice. */
    public static final long MAX_TIMER = CREDIT_INIT;
    /** CSCHED2_CARRYOVER_MAX: most credit kept across a reset. */
    public static final long CARRYOVER_MAX = MIN_TIMER;
    /** CSCHED2_MIGRATE_RESIST: credit advantage needed to preempt on another pCPU. */
    public static final long MIGRATE_RESIST = 500_000L;
    /** CSCHED2_BDGT_REPL_PERIOD: cap budget replenishment period. */
    public static final long BUDGET_PERIOD = 10_000_000L;
    /** Xen's default sched_ratelimit_us (1000 us). */
    public static final long DEFAULT_RATELIMIT_NS = 1_000_000L;
    public static final int DEFAULT_CPUS_PER_RUNQUEUE = 8;
    /** How often a runqueue looks for imbalance. */
    public static final long BALANCE_INTERVAL = 1_000_000L;
    private static final long MAX_CHARGE_NS = 60_000_000_000L;
    /** How many queued units a pick inspects for a better soft-affinity match. */
    private static final int SOFT_SCAN = 4;

    private final long ratelimitNs;
    private final Runqueue[] rqs;
    private final int[] rqOfCpu;
    private final boolean[] tickled;
    /** Idle, untickled pCPUs. */
    private final BitSet idle = new BitSet();

    private long[] credit = new long[16];
    private int[] rqOf = new int[16];
    private long[] runStart = new long[16];
    private long[] budget = new long[16];
    private boolean[] parked = new boolean[16];
    private boolean[] yielding = new boolean[16];
    private int[] scratch = new int[16];
    private final SlotSet capped = new SlotSet(16);
    private int parkedCount;
    private long nextReplenish = BUDGET_PERIOD;
    private long seq;
    private int maxWeight = SchedParams.DEFAULT_WEIGHT;

    public Credit2Policy(int pcpus) {
        this(pcpus, DEFAULT_CPUS_PER_RUNQUEUE, DEFAULT_RATELIMIT_NS);
    }

    /**
     * @param cpusPerRunqueue pCPUs sharing one runqueue (1 = per-pCPU runqueues)
     * @param ratelimitNs     minimum time a unit keeps a pCPU it got (0 = none)
     */
    public Credit2Policy(int pcpus, int cpusPerRunqueue, long ratelimitNs) {
        super(pcpus);
        if (cpusPerRunqueue < 1) {
            throw new IllegalArgumentException("cpusPerRunqueue must be >= 1, got " + cpusPerRunqueue);
        }
        if (ratelimitNs < 0 || ratelimitNs > MAX_TIMER) {
            throw new IllegalArgumentException("ratelimit " + ratelimitNs + " ns is out of range 0.." + MAX_TIMER);
        }
        this.ratelimitNs = ratelimitNs;
        int n = (pcpus + cpusPerRunqueue - 1) / cpusPerRunqueue;
        rqs = new Runqueue[n];
        rqOfCpu = new int[pcpus];
        for (int r = 0; r < n; r++) {
            int first = r * cpusPerRunqueue;
            rqs[r] = new Runqueue(first, Math.min(pcpus, first + cpusPerRunqueue), capacity);
        }
        for (int p = 0; p < pcpus; p++) {
            rqOfCpu[p] = p / cpusPerRunqueue;
        }
        tickled = new boolean[pcpus];
        idle.set(0, pcpus);
    }

    @Override
    public String name() {
        return "credit2";
    }

    public long ratelimitNs() {
        return ratelimitNs;
    }

    public int runqueues() {
        return rqs.length;
    }

    /** The unit's current credit (for tests and diagnostics). */
    public long credit(int unitId) {
        return credit[slotOf(unitId)];
    }

    @Override
    protected void grow(int n) {
        credit = Arrays.copyOf(credit, n);
        rqOf = Arrays.copyOf(rqOf, n);
        runStart = Arrays.copyOf(runStart, n);
        budget = Arrays.copyOf(budget, n);
        parked = Arrays.copyOf(parked, n);
        yielding = Arrays.copyOf(yielding, n);
        scratch = Arrays.copyOf(scratch, n);
        capped.ensureCapacity(n);
        for (Runqueue rq : rqs) {
            rq.heap.ensureCapacity(n);
            rq.members.ensureCapacity(n);
        }
    }

    @Override
    protected void onInsert(int slot) {
        credit[slot] = CREDIT_INIT;
        budget[slot] = 0;
        parked[slot] = false;
        yielding[slot] = false;
        int r = leastLoaded(slot);
        rqOf[slot] = r;
        rqs[r].members.add(slot);
        maxWeight = Math.max(maxWeight, weight[slot]);
    }

    @Override
    protected void onRemove(int slot) {
        Runqueue rq = rqs[rqOf[slot]];
        rq.heap.remove(slot);
        rq.members.remove(slot);
        if (parked[slot]) {
            parked[slot] = false;
            parkedCount--;
        }
        capped.remove(slot);
    }

    @Override
    protected void onAdjust(int slot, SchedParams old) {
        if (weight[slot] >= maxWeight) {
            maxWeight = weight[slot];
        } else if (old.weight() == maxWeight) {
            recomputeMaxWeight();
        }
        if (cap[slot] > 0) {
            if (capped.add(slot)) {
                budget[slot] = quota(slot);
            }
            budget[slot] = Math.min(budget[slot], quota(slot));
        } else if (capped.remove(slot) && parked[slot]) {
            unpark(slot);
        }
        // A queued unit whose runqueue it may no longer use moves now; a running one moves
        // at its next schedule.
        Runqueue rq = rqs[rqOf[slot]];
        if (onCpu[slot] < 0 && !rq.allows(this, slot)) {
            boolean queued = rq.heap.remove(slot);
            rq.members.remove(slot);
            int r = leastLoaded(slot);
            rqOf[slot] = r;
            rqs[r].members.add(slot);
            if (queued) {
                enqueue(slot);
            }
        }
    }

    private void recomputeMaxWeight() {
        int m = 1;
        for (int s = 0; s < capacity; s++) {
            if (unit[s] != null) {
                m = Math.max(m, weight[s]);
            }
        }
        maxWeight = m;
    }

    private long quota(int slot) {
        return BUDGET_PERIOD * cap[slot] / 100;
    }

    @Override
    protected void descheduledUnexpectedly(int slot) {
        Runqueue rq = rqs[rqOf[slot]];
        rq.busy--;
        if (runnable[slot] && !parked[slot]) {
            enqueue(slot);
        }
    }

    @Override
    public int wake(int unitId, long now) {
        int s = slotOf(unitId);
        replenishIfDue(now);
        if (runnable[s]) {
            return -1;
        }
        runnable[s] = true;
        if (onCpu[s] >= 0 || parked[s]) {
            return -1;
        }
        return placeAndTickle(s, now);
    }

    @Override
    public void sleep(int unitId, long now) {
        int s = slotOf(unitId);
        runnable[s] = false;
        rqs[rqOf[s]].heap.remove(s);
    }

    @Override
    public void yield(int unitId, long now) {
        yielding[slotOf(unitId)] = true;
    }

    @Override
    public SchedDecision schedule(int pcpu, long now, int prevUnit, long prevRanNs, boolean prevRunnable,
                                  SchedDecision out) {
        checkCpu(pcpu);
        replenishIfDue(now);
        int prev = resolvePrev(pcpu, prevUnit);
        tickled[pcpu] = false;
        lastSchedule[pcpu] = now;
        Runqueue rq = rqs[rqOfCpu[pcpu]];
        boolean yielded = false;
        boolean yieldPending = false;
        int keepCandidate = -1;
        if (prev >= 0) {
            long ran = Math.max(0, prevRanNs);
            credit[prev] -= burn(prev, ran);
            curr[pcpu] = -1;
            onCpu[prev] = -1;
            rqs[rqOf[prev]].busy--;
            runnable[prev] = prevRunnable;
            yielded = yielding[prev];
            yielding[prev] = false;
            if (cap[prev] > 0) {
                budget[prev] -= ran;
                if (budget[prev] <= 0) {
                    park(prev);
                }
            }
            if (prevRunnable && !parked[prev]) {
                if (!allowed(prev, pcpu) || rqOf[prev] != rqOfCpu[pcpu]) {
                    placeAndTickle(prev, now);
                } else if (!yielded && now - runStart[prev] < ratelimitNs) {
                    // Ratelimit: a unit keeps a pCPU it got for at least ratelimitNs.
                    long left = ratelimitNs - (now - runStart[prev]);
                    run(pcpu, prev, now, false);
                    return out.set(idOf(prev), limitToBudget(prev, left));
                } else if (yielded) {
                    // Yield: the others get first pick; prev runs only if nobody else can.
                    yieldPending = true;
                } else {
                    keepCandidate = prev;
                }
            }
        }
        if (rq.lastBalance + BALANCE_INTERVAL <= now) {
            rq.lastBalance = now;
            balance(rq, pcpu, false);
        }
        if (keepCandidate >= 0) {
            // Common case without touching the heap: the best queued unit may run here and
            // does not beat prev, so prev simply continues.
            int top = rq.heap.peek();
            if (top < 0 || (allowed(top, pcpu) && prefers(top, pcpu)
                && credit[top] <= credit[keepCandidate] + (lastCpu[top] != pcpu ? MIGRATE_RESIST : 0))) {
                if (credit[keepCandidate] <= 0) {
                    resetCredit(rq, keepCandidate);
                }
                long slice = runtime(rq, keepCandidate);
                run(pcpu, keepCandidate, now, false);
                slice = Math.max(slice, ratelimitNs - (now - runStart[keepCandidate]));
                return out.set(idOf(keepCandidate), limitToBudget(keepCandidate, slice));
            }
        }
        int next = pick(rq, pcpu);
        if (next < 0 && keepCandidate < 0) {
            balance(rq, pcpu, true);
            next = pick(rq, pcpu);
        }
        if (keepCandidate >= 0) {
            // runq_candidate: the queued unit must have more credit than prev, and
            // MIGRATE_RESIST more if it last ran elsewhere, to take prev's place.
            long bar = credit[keepCandidate] + (next >= 0 && lastCpu[next] != pcpu ? MIGRATE_RESIST : 0);
            if (next >= 0 && credit[next] > bar) {
                enqueue(keepCandidate);
            } else {
                if (next >= 0) {
                    rqs[rqOf[next]].heap.restore(next);
                }
                next = keepCandidate;
            }
        }
        if (yieldPending) {
            if (next < 0) {
                next = prev;
            } else {
                enqueue(prev);
            }
        }
        if (next < 0) {
            idle.set(pcpu);
            return out.set(SchedDecision.IDLE, parkedCount > 0 ? nextReplenish - now : SchedDecision.NO_TIMEOUT);
        }
        if (credit[next] <= 0) {
            resetCredit(rqs[rqOf[next]], next);
        }
        long slice = runtime(rqs[rqOf[next]], next);
        run(pcpu, next, now, next != prev);
        if (next == prev) {
            // Re-picked: the ratelimit counts from when it last got the pCPU.
            slice = Math.max(slice, ratelimitNs - (now - runStart[next]));
        }
        return out.set(idOf(next), limitToBudget(next, slice));
    }

    private void run(int pcpu, int s, long now, boolean newStint) {
        curr[pcpu] = s;
        onCpu[s] = pcpu;
        lastCpu[s] = pcpu;
        rqs[rqOf[s]].busy++;
        idle.clear(pcpu);
        if (newStint) {
            runStart[s] = now;
        }
    }

    private long limitToBudget(int s, long slice) {
        return cap[s] > 0 ? Math.max(1, Math.min(slice, budget[s])) : slice;
    }

    /** Credit burnt by running {@code ran} ns: Xen's t2c. */
    private long burn(int s, long ran) {
        // A charge beyond a minute is a caller's clock glitch; clamping keeps the product in range.
        return Math.min(ran, MAX_CHARGE_NS) * maxWeight / weight[s];
    }

    /** csched2_runtime: run until the credit falls to the next candidate's, within bounds. */
    private long runtime(Runqueue rq, int s) {
        int other = rq.heap.peek();
        long diff = other >= 0 ? credit[s] - credit[other] : credit[s];
        long time = diff <= 0 ? 0 : diff * weight[s] / maxWeight;
        long min = Math.max(MIN_TIMER, ratelimitNs);
        return Math.max(min, Math.min(time, MAX_TIMER));
    }

    /** Xen's reset_credit: everyone on the runqueue gets CREDIT_INIT more, carry-over clipped. */
    private void resetCredit(Runqueue rq, int snext) {
        long m = 1;
        if (credit[snext] < -CREDIT_INIT) {
            m += -credit[snext] / CREDIT_INIT;
        }
        long add = m * CREDIT_INIT;
        SlotSet members = rq.members;
        for (int i = 0, n = members.size(); i < n; i++) {
            int s = members.get(i);
            long c = Math.min(credit[s], CARRYOVER_MAX) + add;
            credit[s] = c;
            if (rq.heap.contains(s)) {
                rq.heap.rekey(s, -c);
            }
        }
        rq.heap.heapify();
    }

    /**
     * The best queued unit allowed on {@code pcpu}, removed from the queue, or -1. Among the
     * first few allowed candidates, one that prefers this pCPU (soft affinity) wins.
     */
    private int pick(Runqueue rq, int pcpu) {
        IndexedHeap heap = rq.heap;
        int held = 0;
        int firstAllowed = -1;
        int found = -1;
        int looked = 0;
        int s;
        while ((s = heap.poll()) >= 0) {
            if (!allowed(s, pcpu)) {
                scratch[held++] = s;
                continue;
            }
            if (prefers(s, pcpu)) {
                found = s;
                break;
            }
            if (firstAllowed < 0) {
                firstAllowed = s;
            } else {
                scratch[held++] = s;
            }
            if (++looked > SOFT_SCAN) {
                break;
            }
        }
        if (found < 0) {
            found = firstAllowed;
        } else if (firstAllowed >= 0) {
            heap.restore(firstAllowed);
        }
        for (int i = 0; i < held; i++) {
            heap.restore(scratch[i]);
        }
        return found;
    }

    private void enqueue(int s) {
        rqs[rqOf[s]].heap.add(s, -credit[s], seq++);
    }

    /**
     * Chooses where a runnable unit goes (csched2_res_pick), queues it and returns the pCPU
     * to tickle (runq_tickle), or -1.
     */
    private int placeAndTickle(int s, long now) {
        int cpu = idleCpuFor(s);
        if (cpu >= 0) {
            moveTo(s, rqOfCpu[cpu]);
            enqueue(s);
            tickled[cpu] = true;
            idle.clear(cpu);
            return cpu;
        }
        Runqueue home = rqs[rqOf[s]];
        if (!home.allows(this, s)) {
            moveTo(s, leastLoaded(s));
        }
        enqueue(s);
        Runqueue rq = rqs[rqOf[s]];
        int victim = -1;
        long lowest = Long.MAX_VALUE;
        for (int p = rq.firstCpu; p < rq.endCpu; p++) {
            int c = curr[p];
            if (c < 0 || tickled[p] || !allowed(s, p)) {
                continue;
            }
            long eff = credit[c] - burn(c, now - lastSchedule[p]);
            if (p != lastCpu[s]) {
                eff += MIGRATE_RESIST;
            }
            if (eff < lowest) {
                lowest = eff;
                victim = p;
            }
        }
        if (victim >= 0 && credit[s] > lowest) {
            tickled[victim] = true;
            return victim;
        }
        return -1;
    }

    /** An idle, untickled pCPU for the unit: its last pCPU, else soft affinity, else hard. */
    private int idleCpuFor(int s) {
        int last = lastCpu[s];
        if (last >= 0 && idle.get(last) && allowed(s, last) && prefers(s, last)) {
            return last;
        }
        int fallback = -1;
        for (int p = idle.nextSetBit(0); p >= 0; p = idle.nextSetBit(p + 1)) {
            if (!allowed(s, p)) {
                continue;
            }
            if (prefers(s, p)) {
                return p;
            }
            if (fallback < 0) {
                fallback = p;
            }
        }
        return fallback;
    }

    private void moveTo(int s, int r) {
        int from = rqOf[s];
        if (from == r) {
            return;
        }
        rqs[from].heap.remove(s);
        rqs[from].members.remove(s);
        rqOf[s] = r;
        rqs[r].members.add(s);
    }

    /** The least loaded runqueue with a pCPU the unit may use (soft affinity first). */
    private int leastLoaded(int s) {
        int best = -1;
        long bestLoad = Long.MAX_VALUE;
        boolean bestSoft = false;
        for (int r = 0; r < rqs.length; r++) {
            Runqueue rq = rqs[r];
            if (!rq.allows(this, s)) {
                continue;
            }
            boolean soft = rq.prefers(this, s);
            long load = rq.load() * 1024L / rq.cpus();
            if (best < 0 || (soft && !bestSoft) || (soft == bestSoft && load < bestLoad)) {
                best = r;
                bestLoad = load;
                bestSoft = soft;
            }
        }
        return best;
    }

    /**
     * Pulls one unit into {@code rq} from the most loaded runqueue if that evens out their
     * load ({@code force}: any queued unit, because a pCPU would idle).
     */
    private void balance(Runqueue rq, int pcpu, boolean force) {
        if (rqs.length == 1) {
            return;
        }
        Runqueue busiest = null;
        long busiestLoad = -1;
        for (Runqueue other : rqs) {
            if (other == rq || other.heap.isEmpty()) {
                continue;
            }
            long load = other.load() * 1024L / other.cpus();
            if (load > busiestLoad) {
                busiestLoad = load;
                busiest = other;
            }
        }
        if (busiest == null) {
            return;
        }
        // Pull only if that evens the load out (per pCPU) rather than swapping the imbalance.
        if (!force && (busiest.load() - 1) * rq.cpus() < (rq.load() + 1) * busiest.cpus()) {
            return;
        }
        int s = pick(busiest, pcpu);
        if (s >= 0) {
            moveTo(s, rqOfCpu[pcpu]);
            enqueue(s);
        }
    }

    private void park(int s) {
        if (!parked[s]) {
            parked[s] = true;
            parkedCount++;
            rqs[rqOf[s]].heap.remove(s);
        }
    }

    private void unpark(int s) {
        parked[s] = false;
        parkedCount--;
        if (runnable[s] && onCpu[s] < 0) {
            enqueue(s);
        }
    }

    /** Refills cap budgets at period boundaries (Xen's replenish_domain_budget). */
    private void replenishIfDue(long now) {
        if (now < nextReplenish) {
            return;
        }
        long periods = (now - nextReplenish) / BUDGET_PERIOD + 1;
        nextReplenish += periods * BUDGET_PERIOD;
        for (int i = 0, n = capped.size(); i < n; i++) {
            int s = capped.get(i);
            long q = quota(s);
            budget[s] = Math.min(q, budget[s] + periods * q);
            if (parked[s] && budget[s] > 0) {
                unpark(s);
            }
        }
    }

    /** One runqueue: its pCPUs, its queued units (by credit) and every unit assigned to it. */
    private static final class Runqueue {
        final int firstCpu;
        final int endCpu;
        final IndexedHeap heap;
        final SlotSet members;
        int busy;
        long lastBalance;

        Runqueue(int firstCpu, int endCpu, int capacity) {
            this.firstCpu = firstCpu;
            this.endCpu = endCpu;
            heap = new IndexedHeap(capacity);
            members = new SlotSet(capacity);
        }

        int cpus() {
            return endCpu - firstCpu;
        }

        long load() {
            return heap.size() + busy;
        }

        boolean allows(Credit2Policy p, int s) {
            for (int c = firstCpu; c < endCpu; c++) {
                if (p.allowed(s, c)) {
                    return true;
                }
            }
            return false;
        }

        boolean prefers(Credit2Policy p, int s) {
            for (int c = firstCpu; c < endCpu; c++) {
                if (p.allowed(s, c) && p.prefers(s, c)) {
                    return true;
                }
            }
            return false;
        }
    }
}
