package dev.domus.sched.sim;

import dev.domus.sched.SchedDecision;
import dev.domus.sched.SchedParams;
import dev.domus.sched.SchedUnit;
import dev.domus.sched.SchedulingPolicies;
import dev.domus.sched.SchedulingPolicy;
import dev.domus.sched.support.IndexedHeap;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/**
 * A deterministic discrete-event simulator that drives a {@link SchedulingPolicy} in
 * virtual time, the way the hypervisor's run tokens do in real time: it reports how long
 * each unit ran, calls {@code schedule} when a slice ends, a unit blocks or a pCPU is
 * tickled, and {@code wake} when a unit becomes runnable.
 *
 * <p>Events live in one indexed heap: one entry per pCPU (its slice or burst end, or an
 * idle timer), one per unit (its next wake-up or job release) and one per unit (its stop
 * time). Ties are broken by entry index, so a run depends only on the scenario and seed.
 * The simulator checks the policy as it goes: a unit picked while not runnable, or on two
 * pCPUs at once, is an error; a pick outside hard affinity is counted.
 */
public final class Simulator {

    private final Scenario scenario;
    private final SchedulingPolicy policy;
    private final int pcpus;
    private final int n;
    private final IndexedHeap events;
    private final SchedDecision decision = new SchedDecision();
    private final SplittableRandom random;

    // Per pCPU.
    private final int[] cpuCur;
    private final long[] cpuStart;
    private final long[] busyNs;

    // Per unit.
    private final String[] names;
    private final int[] group;
    private final Workload[] work;
    private final BitSet[] hard;
    private final BitSet[] soft;
    private final long[] startNs;
    private final long[] stopNs;
    private final boolean[] runnable;
    private final boolean[] gone;
    private final int[] onCpu;
    private final int[] lastCpu;
    private final long[] remaining;
    private final long[] wokeAt;
    private final long[] cpuNs;
    private final long[] wakeups;
    private final long[] latencySum;
    private final long[] latencyCount;
    private final long[] latencyMax;
    private final long[] jobs;
    private final long[] misses;
    private final long[] migrations;
    private final long[] softNs;
    private final long[] violations;
    private long decisions;
    private long now;

    /** A simulator for the scenario with the policy it names. */
    public Simulator(Scenario scenario) {
        this(scenario, SchedulingPolicies::create);
    }

    /**
     * A simulator for the scenario with a policy from {@code factory(name, pcpus)}, for
     * policies with non-default settings.
     *
     * @throws IllegalArgumentException if the policy refuses a unit's parameters
     */
    public Simulator(Scenario scenario, BiFunction<String, Integer, SchedulingPolicy> factory) {
        this.scenario = scenario;
        this.pcpus = scenario.pcpus();
        this.policy = factory.apply(scenario.policy(), pcpus);
        this.n = scenario.unitCount();
        this.random = new SplittableRandom(scenario.seed());
        events = new IndexedHeap(pcpus + 2 * n);
        cpuCur = new int[pcpus];
        java.util.Arrays.fill(cpuCur, -1);
        cpuStart = new long[pcpus];
        busyNs = new long[pcpus];
        names = new String[n];
        group = new int[n];
        work = new Workload[n];
        hard = new BitSet[n];
        soft = new BitSet[n];
        startNs = new long[n];
        stopNs = new long[n];
        runnable = new boolean[n];
        gone = new boolean[n];
        onCpu = new int[n];
        java.util.Arrays.fill(onCpu, -1);
        lastCpu = new int[n];
        java.util.Arrays.fill(lastCpu, -1);
        remaining = new long[n];
        wokeAt = new long[n];
        java.util.Arrays.fill(wokeAt, -1);
        cpuNs = new long[n];
        wakeups = new long[n];
        latencySum = new long[n];
        latencyCount = new long[n];
        latencyMax = new long[n];
        jobs = new long[n];
        misses = new long[n];
        migrations = new long[n];
        softNs = new long[n];
        violations = new long[n];
        int u = 0;
        for (int g = 0; g < scenario.units().size(); g++) {
            UnitSpec spec = scenario.units().get(g);
            for (int i = 0; i < spec.count(); i++, u++) {
                names[u] = spec.count() == 1 ? spec.name() : spec.name() + "#" + i;
                group[u] = g;
                work[u] = spec.work();
                SchedParams p = spec.params();
                hard[u] = p.hardAffinity();
                soft[u] = p.softAffinity();
                startNs[u] = spec.startNs();
                stopNs[u] = spec.stopNs();
                try {
                    policy.insertUnit(new SchedUnit(u, g, i), p);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unit " + names[u] + ": " + e.getMessage(), e);
                }
                long first = spec.startNs();
                if (work[u].kind() == Workload.Kind.RT) {
                    long period = work[u].periodNs();
                    first = (first + period - 1) / period * period;
                }
                events.add(pcpus + u, first, pcpus + u);
                if (stopNs[u] != Long.MAX_VALUE) {
                    events.add(pcpus + n + u, stopNs[u], pcpus + n + u);
                }
            }
        }
    }

    /** The policy being driven (to inspect it after a run). */
    public SchedulingPolicy policy() {
        return policy;
    }

    /** Runs the scenario to its end. Call once. */
    public SimResult run() {
        long end = scenario.durationNs();
        while (!events.isEmpty()) {
            int e = events.peek();
            long t = events.key(e);
            if (t > end) {
                break;
            }
            events.poll();
            now = t;
            if (e < pcpus) {
                cpuEvent(e);
            } else if (e < pcpus + n) {
                unitEvent(e - pcpus);
            } else {
                stop(e - pcpus - n);
            }
        }
        now = end;
        for (int p = 0; p < pcpus; p++) {
            if (cpuCur[p] >= 0) {
                account(cpuCur[p], p, end - cpuStart[p]);
            }
        }
        return result();
    }

    /** A pCPU's slice or its unit's burst ended, or its idle timer fired. */
    private void cpuEvent(int p) {
        reschedule(p, settle(p));
    }

    /**
     * Charges pCPU p's current unit for its run up to now and marks it blocked if that
     * finished its burst or job. Returns how long it ran (0 when idle).
     */
    private long settle(int p) {
        int u = cpuCur[p];
        long ran = now - cpuStart[p];
        cpuStart[p] = now;
        if (u < 0) {
            return 0;
        }
        account(u, p, ran);
        if (work[u].kind() != Workload.Kind.CPU) {
            remaining[u] -= ran;
            if (remaining[u] <= 0) {
                remaining[u] = 0;
                runnable[u] = false;
                if (work[u].kind() == Workload.Kind.IO) {
                    long s = work[u].sleepNs();
                    long sleep = s / 2 + random.nextLong(Math.max(1, s));
                    events.add(pcpus + u, now + Math.max(1, sleep), pcpus + u);
                }
                // An rt unit's next release is already queued.
            }
        }
        return ran;
    }

    private void account(int u, int p, long ran) {
        cpuNs[u] += ran;
        busyNs[p] += ran;
        if (soft[u] == null || soft[u].isEmpty() || soft[u].get(p)) {
            softNs[u] += ran;
        }
    }

    /** Asks the policy what pCPU p runs next; its current unit was settled (ran {@code ran}). */
    private void reschedule(int p, long ran) {
        int prev = cpuCur[p];
        decisions++;
        SchedDecision d = policy.schedule(p, now, prev, prev >= 0 ? ran : 0, prev >= 0 && runnable[prev], decision);
        cpuStart[p] = now;
        int next = d.unit;
        if (prev >= 0 && next != prev) {
            onCpu[prev] = -1;
            cpuCur[p] = -1;
        }
        if (next == SchedDecision.IDLE) {
            cpuCur[p] = -1;
            if (d.sliceNs != SchedDecision.NO_TIMEOUT && d.sliceNs > 0) {
                setEvent(p, now + d.sliceNs);
            } else {
                events.remove(p);
            }
            return;
        }
        if (next < 0 || next >= n || gone[next]) {
            throw new IllegalStateException(policy.name() + " picked unknown unit " + next + " on pCPU " + p);
        }
        if (!runnable[next]) {
            throw new IllegalStateException(policy.name() + " picked unit " + names[next]
                + " on pCPU " + p + " at " + now + " ns, but it is not runnable");
        }
        if (onCpu[next] >= 0 && onCpu[next] != p) {
            throw new IllegalStateException(policy.name() + " picked unit " + names[next] + " on pCPU " + p
                + " while it runs on pCPU " + onCpu[next]);
        }
        if (d.sliceNs <= 0) {
            throw new IllegalStateException(policy.name() + " gave unit " + names[next] + " a slice of "
                + d.sliceNs + " ns");
        }
        if (hard[next] != null && !hard[next].isEmpty() && !hard[next].get(p)) {
            violations[next]++;
        }
        if (next != prev) {
            if (lastCpu[next] >= 0 && lastCpu[next] != p) {
                migrations[next]++;
            }
            lastCpu[next] = p;
        }
        if (wokeAt[next] >= 0) {
            long lat = now - wokeAt[next];
            latencySum[next] += lat;
            latencyCount[next]++;
            latencyMax[next] = Math.max(latencyMax[next], lat);
            wokeAt[next] = -1;
        }
        cpuCur[p] = next;
        onCpu[next] = p;
        long slice = d.sliceNs;
        if (work[next].kind() != Workload.Kind.CPU) {
            slice = Math.min(slice, remaining[next]);
        }
        setEvent(p, now + slice);
    }

    private void setEvent(int entry, long t) {
        if (events.contains(entry)) {
            events.update(entry, t);
        } else {
            events.add(entry, t, entry);
        }
    }

    /** A unit wakes up (io) or releases a job (rt), or starts (cpu). */
    private void unitEvent(int u) {
        if (gone[u]) {
            return;
        }
        Workload w = work[u];
        if (w.kind() == Workload.Kind.RT) {
            if (jobs[u] > 0 && remaining[u] > 0) {
                misses[u]++;
            }
            jobs[u]++;
            remaining[u] += w.workNs();
            events.add(pcpus + u, now + w.periodNs(), pcpus + u);
            if (runnable[u]) {
                return;
            }
        } else if (w.kind() == Workload.Kind.IO) {
            remaining[u] = w.burstNs();
        }
        runnable[u] = true;
        wakeups[u]++;
        wokeAt[u] = now;
        int p = policy.wake(u, now);
        if (p >= 0) {
            tickle(p);
        }
    }

    private void tickle(int p) {
        if (p >= pcpus) {
            throw new IllegalStateException(policy.name() + " tickled pCPU " + p + " of " + pcpus);
        }
        reschedule(p, settle(p));
    }

    /** The unit leaves: deschedule it, remove it from the policy, let idle pCPUs look again. */
    private void stop(int u) {
        if (gone[u]) {
            return;
        }
        int p = onCpu[u];
        if (p >= 0) {
            long ran = settle(p);
            runnable[u] = false;
            reschedule(p, ran);
        } else if (runnable[u]) {
            runnable[u] = false;
            policy.sleep(u, now);
        }
        runnable[u] = false;
        events.remove(pcpus + u);
        policy.removeUnit(new SchedUnit(u, group[u], 0));
        gone[u] = true;
        for (int q = 0; q < pcpus; q++) {
            if (cpuCur[q] < 0) {
                reschedule(q, settle(q));
            }
        }
    }

    private SimResult result() {
        List<UnitStats> out = new ArrayList<>(n);
        long end = scenario.durationNs();
        for (int u = 0; u < n; u++) {
            long lifetime = Math.max(1, Math.min(end, stopNs[u]) - Math.min(end, startNs[u]));
            out.add(new UnitStats(names[u], group[u], cpuNs[u], (double) cpuNs[u] / lifetime, wakeups[u],
                latencyCount[u] == 0 ? 0 : latencySum[u] / latencyCount[u], latencyMax[u], jobs[u], misses[u],
                migrations[u], softNs[u], violations[u]));
        }
        long[] idle = new long[pcpus];
        for (int p = 0; p < pcpus; p++) {
            idle[p] = end - busyNs[p];
        }
        return new SimResult(scenario, out, idle, decisions);
    }
}
