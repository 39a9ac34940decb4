package dev.domus.hv.sched;

import dev.domus.sched.SchedDecision;
import dev.domus.sched.SchedParams;
import dev.domus.sched.SchedUnit;
import dev.domus.sched.SchedulingPolicy;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * The hypervisor's fallback policy: one global FIFO of runnable units, a fixed slice, no
 * weights. Used only when the scheduler module offers no policy of the requested name; the
 * default is credit2 from {@code dev.domus.sched}.
 *
 * <p>Not thread-safe: {@link RunTokens} calls it under its lock, as the interface requires.
 */
public final class RoundRobinPolicy implements SchedulingPolicy {

    /** Xen's credit2 default ratelimit-free slice is 10 ms; round-robin uses a shorter one. */
    public static final long SLICE_NS = 2_000_000L;

    private final int pcpus;
    private final Int2ObjectHashMap<SchedParams> params = new Int2ObjectHashMap<>();
    private int[] queue = new int[64];
    private int head;
    private int size;

    public RoundRobinPolicy(int pcpus) {
        if (pcpus < 1) {
            throw new IllegalArgumentException("pcpus must be >= 1, was " + pcpus);
        }
        this.pcpus = pcpus;
    }

    @Override
    public String name() {
        return "rr";
    }

    @Override
    public void insertUnit(SchedUnit unit) {
        params.put(unit.id(), SchedParams.defaults());
    }

    @Override
    public void removeUnit(SchedUnit unit) {
        dequeue(unit.id());
        params.remove(unit.id());
    }

    @Override
    public int wake(int unitId, long now) {
        if (!contains(unitId)) {
            enqueue(unitId);
        }
        return -1;
    }

    @Override
    public void sleep(int unitId, long now) {
        dequeue(unitId);
    }

    @Override
    public SchedDecision schedule(int pcpu, long now, int prevUnit, long prevRanNs, boolean prevRunnable,
                                  SchedDecision out) {
        if (prevUnit != SchedDecision.IDLE && prevRunnable && !contains(prevUnit)) {
            enqueue(prevUnit);
        }
        for (int i = 0; i < size; i++) {
            int unit = queue[(head + i) & (queue.length - 1)];
            SchedParams p = params.get(unit);
            if (p == null || p.hardAffinity() == null || p.hardAffinity().get(pcpu)) {
                removeAt(i);
                return out.set(unit, SLICE_NS);
            }
        }
        return out.set(SchedDecision.IDLE, 0);
    }

    @Override
    public void adjust(int unitId, SchedParams p) {
        if (p.weight() < 1 || p.weight() > SchedParams.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be 1..65535, was " + p.weight());
        }
        if (p.hardAffinity() != null && (p.hardAffinity().isEmpty() || p.hardAffinity().length() > pcpus)) {
            throw new IllegalArgumentException("hard affinity must name pCPUs in 0.." + (pcpus - 1));
        }
        if (!params.containsKey(unitId)) {
            throw new IllegalArgumentException("no unit " + unitId);
        }
        params.put(unitId, p);
    }

    @Override
    public SchedParams params(int unitId) {
        SchedParams p = params.get(unitId);
        if (p == null) {
            throw new IllegalArgumentException("no unit " + unitId);
        }
        return p;
    }

    private boolean contains(int unit) {
        for (int i = 0; i < size; i++) {
            if (queue[(head + i) & (queue.length - 1)] == unit) {
                return true;
            }
        }
        return false;
    }

    private void enqueue(int unit) {
        if (size == queue.length) {
            int[] bigger = new int[queue.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = queue[(head + i) & (queue.length - 1)];
            }
            queue = bigger;
            head = 0;
        }
        queue[(head + size) & (queue.length - 1)] = unit;
        size++;
    }

    private void dequeue(int unit) {
        for (int i = 0; i < size; i++) {
            if (queue[(head + i) & (queue.length - 1)] == unit) {
                removeAt(i);
                return;
            }
        }
    }

    private void removeAt(int i) {
        int mask = queue.length - 1;
        for (int j = i; j < size - 1; j++) {
            queue[(head + j) & mask] = queue[(head + j + 1) & mask];
        }
        size--;
    }
}
