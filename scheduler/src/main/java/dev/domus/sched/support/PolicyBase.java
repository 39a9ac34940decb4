package dev.domus.sched.support;

import dev.domus.sched.SchedDecision;
import dev.domus.sched.SchedParams;
import dev.domus.sched.SchedUnit;
import dev.domus.sched.SchedulingPolicy;
import java.util.Arrays;
import java.util.BitSet;

/**
 * What every policy shares: unit ids mapped to dense slots, per-slot parameters and
 * run state, which unit each pCPU runs, and the parameter checks of
 * {@link SchedulingPolicy#adjust}. Subclasses keep their own per-slot arrays and grow
 * them in {@link #grow}.
 */
public abstract class PolicyBase implements SchedulingPolicy {

    protected final int pcpus;
    private final SlotMap slots = new SlotMap();
    private int[] freeSlots = new int[16];
    private int freeCount;
    private int highWater;
    protected int capacity;
    private boolean admitting;

    protected SchedUnit[] unit;
    protected SchedParams[] params;
    protected int[] weight;
    protected int[] cap;
    /** Hard affinity, null = every pCPU. */
    protected BitSet[] hard;
    /** Soft affinity intersected with hard, null = no preference. */
    protected BitSet[] soft;
    protected boolean[] runnable;
    /** pCPU the slot runs on, or -1. */
    protected int[] onCpu;
    /** pCPU the slot last ran on, or -1. */
    protected int[] lastCpu;
    /** Slot each pCPU runs, or -1. */
    protected final int[] curr;
    /** When each pCPU's current slot was last charged (its last {@code schedule}). */
    protected final long[] lastSchedule;

    protected PolicyBase(int pcpus) {
        if (pcpus < 1) {
            throw new IllegalArgumentException("a scheduler needs at least one pCPU, got " + pcpus);
        }
        this.pcpus = pcpus;
        curr = new int[pcpus];
        Arrays.fill(curr, -1);
        lastSchedule = new long[pcpus];
        allocate(16);
    }

    public int pcpus() {
        return pcpus;
    }

    /** Number of units inserted. */
    public int units() {
        return slots.size();
    }

    private void allocate(int n) {
        capacity = n;
        unit = unit == null ? new SchedUnit[n] : Arrays.copyOf(unit, n);
        params = params == null ? new SchedParams[n] : Arrays.copyOf(params, n);
        weight = weight == null ? new int[n] : Arrays.copyOf(weight, n);
        cap = cap == null ? new int[n] : Arrays.copyOf(cap, n);
        hard = hard == null ? new BitSet[n] : Arrays.copyOf(hard, n);
        soft = soft == null ? new BitSet[n] : Arrays.copyOf(soft, n);
        runnable = runnable == null ? new boolean[n] : Arrays.copyOf(runnable, n);
        onCpu = onCpu == null ? new int[n] : Arrays.copyOf(onCpu, n);
        lastCpu = lastCpu == null ? new int[n] : Arrays.copyOf(lastCpu, n);
    }

    /** Grows the subclass's per-slot arrays to {@code newCapacity} (cold path). */
    protected abstract void grow(int newCapacity);

    /** A new slot with default parameters; may throw to refuse the unit (nothing changes). */
    protected abstract void onInsert(int slot);

    /** The slot is leaving; it is not running. Drop it from every queue. */
    protected abstract void onRemove(int slot);

    /** Checks the policy's own parameter rules (beyond the common ones); throw to refuse. */
    protected void validate(int slot, SchedParams p) {
    }

    /** Parameters changed from {@code old} to the slot's current ones. */
    protected abstract void onAdjust(int slot, SchedParams old);

    @Override
    public final void insertUnit(SchedUnit u) {
        if (slots.get(u.id()) >= 0) {
            throw new IllegalArgumentException("unit " + u.id() + " is already in the " + name() + " scheduler");
        }
        int slot;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
        } else {
            if (highWater == capacity) {
                int n = capacity * 2;
                allocate(n);
                grow(n);
            }
            slot = highWater++;
        }
        SchedParams d = SchedParams.defaults();
        unit[slot] = u;
        params[slot] = d;
        weight[slot] = d.weight();
        cap[slot] = d.cap();
        hard[slot] = null;
        soft[slot] = null;
        runnable[slot] = false;
        onCpu[slot] = -1;
        lastCpu[slot] = -1;
        try {
            onInsert(slot);
        } catch (RuntimeException e) {
            unit[slot] = null;
            releaseSlot(slot);
            throw e;
        }
        slots.put(u.id(), slot);
    }

    @Override
    public final void insertUnit(SchedUnit u, SchedParams p) {
        if (slots.get(u.id()) >= 0) {
            throw new IllegalArgumentException("unit " + u.id() + " is already in the " + name() + " scheduler");
        }
        checkCommon(u.id(), p);
        validate(-1, p);
        admitting = true;
        try {
            insertUnit(u);
        } finally {
            admitting = false;
        }
        try {
            adjust(u.id(), p);
        } catch (RuntimeException e) {
            removeUnit(u);
            throw e;
        }
    }

    /**
     * True while {@link #insertUnit(SchedUnit, SchedParams)} inserts a unit whose real
     * parameters were already checked: admission control skips the defaults then.
     */
    protected final boolean admitting() {
        return admitting;
    }

    @Override
    public final void removeUnit(SchedUnit u) {
        int slot = slotOf(u.id());
        if (onCpu[slot] >= 0) {
            throw new IllegalStateException("unit " + u.id() + " is running on pCPU " + onCpu[slot]
                + ": deschedule it before removing it");
        }
        onRemove(slot);
        slots.remove(u.id());
        unit[slot] = null;
        params[slot] = null;
        hard[slot] = null;
        soft[slot] = null;
        runnable[slot] = false;
        releaseSlot(slot);
    }

    private void releaseSlot(int slot) {
        if (freeCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
        }
        freeSlots[freeCount++] = slot;
    }

    @Override
    public final void adjust(int unitId, SchedParams p) {
        int slot = slotOf(unitId);
        checkCommon(unitId, p);
        validate(slot, p);
        SchedParams old = params[slot];
        BitSet h = p.hardAffinity() == null ? null : (BitSet) p.hardAffinity().clone();
        BitSet s = p.softAffinity() == null ? null : (BitSet) p.softAffinity().clone();
        params[slot] = new SchedParams(p.weight(), p.cap(), p.periodNs(), p.budgetNs(), h, s);
        weight[slot] = p.weight();
        cap[slot] = p.cap();
        hard[slot] = h == null || h.cardinality() == pcpus ? null : h;
        BitSet eff = null;
        if (s != null && !s.isEmpty()) {
            eff = (BitSet) s.clone();
            if (h != null) {
                eff.and(h);
            }
            if (eff.isEmpty() || eff.cardinality() == pcpus) {
                eff = null;
            }
        }
        soft[slot] = eff;
        onAdjust(slot, old);
    }

    private void checkCommon(int unitId, SchedParams p) {
        if (p == null) {
            throw new IllegalArgumentException("scheduling parameters for unit " + unitId + " are missing");
        }
        if (p.weight() < 1 || p.weight() > SchedParams.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight " + p.weight() + " for unit " + unitId
                + " is out of range: use 1.." + SchedParams.MAX_WEIGHT + " (default " + SchedParams.DEFAULT_WEIGHT + ")");
        }
        if (p.cap() < 0 || p.cap() > 100) {
            throw new IllegalArgumentException("cap " + p.cap() + " for unit " + unitId
                + " is out of range: use 0..100 percent of one pCPU (0 = no cap)");
        }
        if (p.periodNs() <= 0 || p.budgetNs() <= 0) {
            throw new IllegalArgumentException("period " + p.periodNs() + " ns and budget " + p.budgetNs()
                + " ns for unit " + unitId + " must both be positive");
        }
        if (p.budgetNs() > p.periodNs()) {
            throw new IllegalArgumentException("budget " + p.budgetNs() + " ns for unit " + unitId
                + " exceeds its period " + p.periodNs() + " ns: the budget must be <= the period");
        }
        checkMask("hard", unitId, p.hardAffinity(), true);
        checkMask("soft", unitId, p.softAffinity(), false);
    }

    private void checkMask(String kind, int unitId, BitSet mask, boolean mustBeNonEmpty) {
        if (mask == null) {
            return;
        }
        if (mask.length() > pcpus) {
            throw new IllegalArgumentException(kind + " affinity " + mask + " for unit " + unitId
                + " names pCPU " + (mask.length() - 1) + ", but this host has pCPUs 0.." + (pcpus - 1));
        }
        if (mustBeNonEmpty && mask.isEmpty()) {
            throw new IllegalArgumentException("hard affinity for unit " + unitId
                + " is empty: it must allow at least one pCPU (0.." + (pcpus - 1) + ")");
        }
    }

    @Override
    public SchedParams params(int unitId) {
        SchedParams p = params[slotOf(unitId)];
        return new SchedParams(p.weight(), p.cap(), p.periodNs(), p.budgetNs(),
            p.hardAffinity() == null ? null : (BitSet) p.hardAffinity().clone(),
            p.softAffinity() == null ? null : (BitSet) p.softAffinity().clone());
    }

    /** The slot of a unit id; unknown ids are a caller bug. */
    protected final int slotOf(int unitId) {
        int s = slots.get(unitId);
        if (s < 0) {
            throw new IllegalArgumentException("unit " + unitId + " is not in the " + name() + " scheduler");
        }
        return s;
    }

    protected final int idOf(int slot) {
        return unit[slot].id();
    }

    protected final boolean allowed(int slot, int cpu) {
        BitSet h = hard[slot];
        return h == null || h.get(cpu);
    }

    /** True if the slot has no soft preference or prefers {@code cpu}. */
    protected final boolean prefers(int slot, int cpu) {
        BitSet s = soft[slot];
        return s == null || s.get(cpu);
    }

    protected final void checkCpu(int pcpu) {
        if (pcpu < 0 || pcpu >= pcpus) {
            throw new IllegalArgumentException("pCPU " + pcpu + " does not exist: this host has 0.." + (pcpus - 1));
        }
    }

    /**
     * Resolves the {@code prevUnit} argument of {@code schedule}: the slot, or -1 for idle.
     * If the caller's idea of what ran differs from ours, the unit we thought ran there is
     * descheduled without charge (and the caller's unit is charged).
     */
    protected final int resolvePrev(int pcpu, int prevUnit) {
        int prev = prevUnit == SchedDecision.IDLE ? -1 : slotOf(prevUnit);
        int mine = curr[pcpu];
        if (mine >= 0 && mine != prev) {
            curr[pcpu] = -1;
            onCpu[mine] = -1;
            descheduledUnexpectedly(mine);
        }
        if (prev >= 0 && onCpu[prev] != pcpu) {
            // Not ours to charge on this pCPU: treat as idle.
            return -1;
        }
        return prev;
    }

    /** The slot was running on a pCPU but the caller reported another unit there. */
    protected abstract void descheduledUnexpectedly(int slot);
}
