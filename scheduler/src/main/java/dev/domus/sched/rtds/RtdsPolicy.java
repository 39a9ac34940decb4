package dev.domus.sched.rtds;

import dev.domus.sched.SchedDecision;
import dev.domus.sched.SchedParams;
import dev.domus.sched.support.IndexedHeap;
import dev.domus.sched.support.PolicyBase;
import java.util.Arrays;
import java.util.Locale;

/**
 * Xen's RTDS real-time scheduler ({@code xen/common/sched/rt.c}): global EDF over
 * deferrable servers. Each unit has a period and a budget; its deadline is the end of its
 * current period (periods are aligned to multiples of the period from time 0, as Xen's
 * {@code rt_update_deadline} does); it may run at most its budget per period, and is then
 * throttled (kept on the depleted queue) until the period ends, when its budget is
 * replenished and its deadline moves on.
 *
 * <p>Admission control (an addition: Xen's RTDS has none) refuses a unit whose parameters
 * would make the set unschedulable under global EDF by the Goossens-Funk-Baruah bound:
 * total utilization {@code U <= m - (m - 1) * u_max} on {@code m} pCPUs (for one pCPU,
 * EDF's exact {@code U <= 1}). Hard affinity is honoured when picking but not modelled by
 * the admission test. Xen's {@code extratime} flag is not implemented: a unit never runs
 * beyond its budget, even on an idle pCPU.
 *
 * <p>The run queue and the depleted queue are heaps (by deadline and by replenishment
 * time), so a pick is O(log n) unless hard affinity makes it skip units.
 */
public final class RtdsPolicy extends PolicyBase {

    /** RTDS_MIN_PERIOD (10 us). */
    public static final long MIN_PERIOD_NS = 10_000L;
    /** RTDS_MIN_BUDGET (10 us). */
    public static final long MIN_BUDGET_NS = 10_000L;
    private static final double EPSILON = 1e-9;

    private long[] period = new long[16];
    private long[] budget = new long[16];
    private long[] deadline = new long[16];
    private long[] left = new long[16];
    private int[] scratch = new int[16];
    private final IndexedHeap runq = new IndexedHeap(16);
    private final IndexedHeap depleted = new IndexedHeap(16);
    private final boolean[] tickled;
    private long seq;

    public RtdsPolicy(int pcpus) {
        super(pcpus);
        tickled = new boolean[pcpus];
    }

    @Override
    public String name() {
        return "rtds";
    }

    /** The unit's current deadline (end of its current period). */
    public long deadline(int unitId) {
        return deadline[slotOf(unitId)];
    }

    @Override
    protected void grow(int n) {
        period = Arrays.copyOf(period, n);
        budget = Arrays.copyOf(budget, n);
        deadline = Arrays.copyOf(deadline, n);
        left = Arrays.copyOf(left, n);
        scratch = Arrays.copyOf(scratch, n);
        runq.ensureCapacity(n);
        depleted.ensureCapacity(n);
    }

    @Override
    protected void validate(int slot, SchedParams p) {
        if (p.periodNs() < MIN_PERIOD_NS) {
            throw new IllegalArgumentException("RTDS period " + p.periodNs() + " ns is below the minimum "
                + MIN_PERIOD_NS + " ns");
        }
        if (p.budgetNs() < MIN_BUDGET_NS) {
            throw new IllegalArgumentException("RTDS budget " + p.budgetNs() + " ns is below the minimum "
                + MIN_BUDGET_NS + " ns");
        }
        admit(slot, p.periodNs(), p.budgetNs());
    }

    /** Refuses the set of all units (with {@code slot}'s parameters replaced) if it cannot fit. */
    private void admit(int slot, long newPeriod, long newBudget) {
        double total = (double) newBudget / newPeriod;
        double max = total;
        for (int s = 0; s < capacity; s++) {
            if (s == slot || unit[s] == null || period[s] == 0) {
                continue;
            }
            double u = (double) budget[s] / period[s];
            total += u;
            max = Math.max(max, u);
        }
        double bound = pcpus - (pcpus - 1) * max;
        if (total > bound + EPSILON) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                "RTDS admission control: with budget %d ns per period %d ns the units' total utilization would be"
                    + " %.3f, above %.3f, the most global EDF can guarantee on %d pCPUs (m - (m-1) * u_max with"
                    + " u_max %.3f): lower a budget, lengthen a period, or add pCPUs",
                newBudget, newPeriod, total, bound, pcpus, max));
        }
    }

    @Override
    protected void onInsert(int slot) {
        SchedParams d = params[slot];
        period[slot] = 0;
        if (!admitting()) {
            admit(slot, d.periodNs(), d.budgetNs());
        }
        period[slot] = d.periodNs();
        budget[slot] = d.budgetNs();
        deadline[slot] = 0;
        left[slot] = 0;
    }

    @Override
    protected void onRemove(int slot) {
        runq.remove(slot);
        depleted.remove(slot);
        period[slot] = 0;
    }

    @Override
    protected void onAdjust(int slot, SchedParams old) {
        // Like Xen, new parameters take effect from the next period.
        period[slot] = params[slot].periodNs();
        budget[slot] = params[slot].budgetNs();
        left[slot] = Math.min(left[slot], budget[slot]);
    }

    @Override
    protected void descheduledUnexpectedly(int slot) {
        if (runnable[slot]) {
            queue(slot);
        }
    }

    /** Starts a new period if the current one is over (rt_update_deadline). */
    private void refresh(int s, long now) {
        if (now >= deadline[s]) {
            long count = (now - deadline[s]) / period[s] + 1;
            deadline[s] += count * period[s];
            left[s] = budget[s];
        }
    }

    private void queue(int s) {
        if (left[s] > 0) {
            runq.add(s, deadline[s], seq++);
        } else {
            depleted.add(s, deadline[s], seq++);
        }
    }

    /** Moves units whose period ended from the depleted queue to the run queue. */
    private void replenish(long now) {
        int s;
        while ((s = depleted.peek()) >= 0 && depleted.key(s) <= now) {
            depleted.poll();
            refresh(s, now);
            runq.add(s, deadline[s], seq++);
        }
    }

    @Override
    public int wake(int unitId, long now) {
        int s = slotOf(unitId);
        replenish(now);
        if (runnable[s]) {
            return -1;
        }
        runnable[s] = true;
        if (onCpu[s] >= 0) {
            return -1;
        }
        refresh(s, now);
        queue(s);
        if (left[s] <= 0) {
            return -1;
        }
        return tickle(s, now);
    }

    /** An idle pCPU for the unit, else the one running the latest deadline if later than its own. */
    private int tickle(int s, long now) {
        int idle = -1;
        int victim = -1;
        long latest = deadline[s];
        for (int p = 0; p < pcpus; p++) {
            if (tickled[p] || !allowed(s, p)) {
                continue;
            }
            int c = curr[p];
            if (c < 0) {
                if (idle < 0 || p == lastCpu[s] || (prefers(s, p) && !prefers(s, idle))) {
                    idle = p;
                }
            } else if (deadline[c] > latest) {
                latest = deadline[c];
                victim = p;
            }
        }
        int p = idle >= 0 ? idle : victim;
        if (p >= 0) {
            tickled[p] = true;
        }
        return p;
    }

    @Override
    public void sleep(int unitId, long now) {
        int s = slotOf(unitId);
        runnable[s] = false;
        runq.remove(s);
        depleted.remove(s);
    }

    @Override
    public SchedDecision schedule(int pcpu, long now, int prevUnit, long prevRanNs, boolean prevRunnable,
                                  SchedDecision out) {
        checkCpu(pcpu);
        int prev = resolvePrev(pcpu, prevUnit);
        tickled[pcpu] = false;
        lastSchedule[pcpu] = now;
        replenish(now);
        if (prev >= 0) {
            curr[pcpu] = -1;
            onCpu[prev] = -1;
            runnable[prev] = prevRunnable;
            left[prev] -= Math.max(0, prevRanNs);
            refresh(prev, now);
            if (prevRunnable) {
                queue(prev);
            }
        }
        int next = pick(pcpu, now);
        int first = depleted.peek();
        long nextRepl = first >= 0 ? depleted.key(first) : Long.MAX_VALUE;
        if (next < 0) {
            return out.set(SchedDecision.IDLE, first >= 0 ? Math.max(1, nextRepl - now) : SchedDecision.NO_TIMEOUT);
        }
        curr[pcpu] = next;
        onCpu[next] = pcpu;
        lastCpu[next] = pcpu;
        // Run until the budget is spent, the period ends, or a throttled unit comes back.
        long slice = Math.min(left[next], deadline[next] - now);
        if (first >= 0) {
            slice = Math.min(slice, nextRepl - now);
        }
        return out.set(idOf(next), Math.max(1, slice));
    }

    /** Earliest-deadline queued unit allowed on the pCPU, removed from the queue; refreshes stale ones. */
    private int pick(int pcpu, long now) {
        int held = 0;
        int found = -1;
        int s;
        while ((s = runq.poll()) >= 0) {
            if (now >= deadline[s]) {
                // Its period ended while it waited: new deadline, full budget, requeue.
                refresh(s, now);
                runq.add(s, deadline[s], seq++);
                continue;
            }
            if (allowed(s, pcpu)) {
                found = s;
                break;
            }
            scratch[held++] = s;
        }
        for (int i = 0; i < held; i++) {
            runq.restore(scratch[i]);
        }
        return found;
    }
}
