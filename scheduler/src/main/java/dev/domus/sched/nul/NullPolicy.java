package dev.domus.sched.nul;

import dev.domus.sched.SchedDecision;
import dev.domus.sched.SchedParams;
import dev.domus.sched.support.IndexedHeap;
import dev.domus.sched.support.PolicyBase;
import java.util.Arrays;

/**
 * Xen's null scheduler ({@code xen/common/sched/null.c}): each unit is assigned to one
 * pCPU and is the only unit that ever runs there; there is no time sharing. Units beyond
 * the number of pCPUs wait (first come, first served) and get a pCPU when one is freed by
 * a unit that leaves or moves. A unit keeps its pCPU while it is blocked, so its wake-up
 * latency is only the tickle. For pinned, latency-critical guests.
 *
 * <p>Assignment honours hard affinity and prefers soft affinity. After
 * {@link #removeUnit} hands a freed pCPU to a waiting unit, the caller should ask
 * {@link #schedule} for its idle pCPUs (there is no return value to tickle with).
 */
public final class NullPolicy extends PolicyBase {

    /** How long a decision lasts: null never preempts, so this only bounds re-evaluation. */
    public static final long SLICE_NS = 1_000_000_000L;

    private final int[] assigned;
    private int[] cpuOf = new int[16];
    private final IndexedHeap waiting = new IndexedHeap(16);
    private int[] scratch = new int[16];
    private long seq;

    public NullPolicy(int pcpus) {
        super(pcpus);
        assigned = new int[pcpus];
        Arrays.fill(assigned, -1);
    }

    @Override
    public String name() {
        return "null";
    }

    /** The pCPU a unit is assigned to, or -1 if it waits. */
    public int assignedCpu(int unitId) {
        return cpuOf[slotOf(unitId)];
    }

    @Override
    protected void grow(int n) {
        int old = cpuOf.length;
        cpuOf = Arrays.copyOf(cpuOf, n);
        Arrays.fill(cpuOf, old, n, -1);
        scratch = Arrays.copyOf(scratch, n);
        waiting.ensureCapacity(n);
    }

    @Override
    protected void onInsert(int slot) {
        cpuOf[slot] = -1;
        assignOrWait(slot);
    }

    @Override
    protected void onRemove(int slot) {
        waiting.remove(slot);
        int c = cpuOf[slot];
        if (c >= 0) {
            release(slot);
        }
    }

    @Override
    protected void onAdjust(int slot, SchedParams old) {
        int c = cpuOf[slot];
        if (c >= 0 && !allowed(slot, c)) {
            if (onCpu[slot] >= 0) {
                return; // moves when it is next descheduled
            }
            release(slot);
            assignOrWait(slot);
        } else if (c >= 0 && onCpu[slot] < 0 && !prefers(slot, c)) {
            int free = freeCpuFor(slot);
            if (free >= 0 && prefers(slot, free)) {
                release(slot);
                assign(slot, free);
            }
        } else if (c < 0) {
            int free = freeCpuFor(slot);
            if (free >= 0) {
                waiting.remove(slot);
                assign(slot, free);
            }
        }
    }

    @Override
    protected void descheduledUnexpectedly(int slot) {
    }

    /** Gives the slot a free pCPU (soft affinity first), or puts it at the back of the wait queue. */
    private void assignOrWait(int slot) {
        int free = freeCpuFor(slot);
        if (free >= 0) {
            assign(slot, free);
        } else {
            waiting.add(slot, seq++, 0);
        }
    }

    private void assign(int slot, int cpu) {
        assigned[cpu] = slot;
        cpuOf[slot] = cpu;
    }

    /** A free pCPU the slot may use, preferring its soft affinity, or -1. */
    private int freeCpuFor(int slot) {
        int fallback = -1;
        for (int p = 0; p < pcpus; p++) {
            if (assigned[p] < 0 && allowed(slot, p)) {
                if (prefers(slot, p)) {
                    return p;
                }
                if (fallback < 0) {
                    fallback = p;
                }
            }
        }
        return fallback;
    }

    /** Frees the slot's pCPU and hands it to the first waiting unit allowed there. */
    private void release(int slot) {
        int c = cpuOf[slot];
        cpuOf[slot] = -1;
        assigned[c] = -1;
        int held = 0;
        int s;
        while ((s = waiting.poll()) >= 0) {
            if (allowed(s, c)) {
                assigned[c] = s;
                cpuOf[s] = c;
                break;
            }
            scratch[held++] = s;
        }
        for (int i = 0; i < held; i++) {
            waiting.restore(scratch[i]);
        }
    }

    @Override
    public int wake(int unitId, long now) {
        int s = slotOf(unitId);
        if (runnable[s]) {
            return -1;
        }
        runnable[s] = true;
        int c = cpuOf[s];
        return c >= 0 && curr[c] < 0 ? c : -1;
    }

    @Override
    public void sleep(int unitId, long now) {
        runnable[slotOf(unitId)] = false;
    }

    @Override
    public SchedDecision schedule(int pcpu, long now, int prevUnit, long prevRanNs, boolean prevRunnable,
                                  SchedDecision out) {
        checkCpu(pcpu);
        int prev = resolvePrev(pcpu, prevUnit);
        lastSchedule[pcpu] = now;
        if (prev >= 0) {
            curr[pcpu] = -1;
            onCpu[prev] = -1;
            runnable[prev] = prevRunnable;
            if (cpuOf[prev] == pcpu && !allowed(prev, pcpu)) {
                // Its hard affinity changed while it ran: move it now.
                release(prev);
                assignOrWait(prev);
            }
        }
        int a = assigned[pcpu];
        if (a >= 0 && runnable[a]) {
            curr[pcpu] = a;
            onCpu[a] = pcpu;
            lastCpu[a] = pcpu;
            return out.set(idOf(a), SLICE_NS);
        }
        return out.set(SchedDecision.IDLE, SchedDecision.NO_TIMEOUT);
    }
}
