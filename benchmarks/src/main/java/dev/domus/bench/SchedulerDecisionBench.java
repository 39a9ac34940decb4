package dev.domus.bench;

import dev.domus.sched.SchedDecision;
import dev.domus.sched.SchedUnit;
import dev.domus.sched.SchedulingPolicies;
import dev.domus.sched.SchedulingPolicy;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of one scheduling decision with {@code units} runnable vCPUs on 4 pCPUs: the
 * running unit used up its slice, is still runnable, and the policy picks the next one.
 * Baseline: the cheapest possible policy, a plain round-robin queue (poll and re-offer).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SchedulerDecisionBench {

    static final int PCPUS = 4;

    @Param({"credit2", "credit", "rtds"})
    public String policy;

    @Param({"10", "1000", "10000"})
    public int units;

    private SchedulingPolicy sched;
    private final SchedDecision[] decisions = new SchedDecision[PCPUS];
    private final int[] running = new int[PCPUS];
    private long now;
    private int pcpu;
    private final ArrayDeque<Integer> roundRobin = new ArrayDeque<>();
    private final Integer[] boxed = new Integer[PCPUS];

    @Setup
    public void setUp() {
        if (!SchedulingPolicies.NAMES.contains(policy)) {
            throw new IllegalStateException("policy " + policy + " is not built yet: " + SchedulingPolicies.NAMES);
        }
        sched = SchedulingPolicies.create(policy, PCPUS);
        for (int i = 0; i < units; i++) {
            SchedUnit u = new SchedUnit(i, i, 0);
            sched.insertUnit(u);
            if (policy.equals("rtds")) {
                // keep the set admissible: total utilisation below the pCPU count
                long period = 100_000_000L;
                sched.adjust(i, sched.params(i).withRt(period, Math.max(1_000, period * PCPUS / (2L * units))));
            }
            sched.wake(i, 0);
            roundRobin.add(i);
        }
        for (int p = 0; p < PCPUS; p++) {
            decisions[p] = new SchedDecision();
            running[p] = sched.schedule(p, 0, SchedDecision.IDLE, 0, false, decisions[p]).unit;
            boxed[p] = roundRobin.poll();
        }
    }

    @Benchmark
    public int decide() {
        int p = pcpu;
        pcpu = (p + 1) % PCPUS;
        SchedDecision d = decisions[p];
        long ran = running[p] == SchedDecision.IDLE ? 0 : Math.max(d.sliceNs, 1_000);
        now += ran / PCPUS + 1;
        running[p] = sched.schedule(p, now, running[p], ran, running[p] != SchedDecision.IDLE, d).unit;
        return running[p];
    }

    @Benchmark
    public int decideBaseline() {
        int p = pcpu;
        pcpu = (p + 1) % PCPUS;
        roundRobin.offer(boxed[p]);
        boxed[p] = roundRobin.poll();
        return boxed[p];
    }
}
