package dev.domus.sched;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.BitSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * wake, sleep and schedule allocate nothing (SchedulingPolicy's contract), measured with
 * the JVM's per-thread allocation counter over many calls after a warm-up.
 */
class NoAllocationTest {

    static Iterable<String> policies() {
        return SchedulingPolicies.NAMES;
    }

    @ParameterizedTest
    @MethodSource("policies")
    void wakeSleepAndScheduleAllocateNothing(String name) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int pcpus = 4;
        int units = 8;
        SchedulingPolicy p = SchedulingPolicies.create(name, pcpus);
        BitSet two = new BitSet();
        two.set(2);
        for (int u = 0; u < units; u++) {
            SchedParams params = SchedParams.defaults().withWeight(100 + u * 50).withRt(20_000_000, 2_000_000);
            if (u == 3) {
                params = params.withCap(30).withSoftAffinity(two);
            }
            if (u == 5) {
                params = params.withHardAffinity(two);
            }
            p.insertUnit(new SchedUnit(1000 + u, u, 0), params);
        }
        SchedDecision[] out = new SchedDecision[pcpus];
        int[] running = new int[pcpus];
        for (int c = 0; c < pcpus; c++) {
            out[c] = new SchedDecision();
            running[c] = SchedDecision.IDLE;
        }
        long[] now = {0};
        Runnable round = () -> {
            for (int i = 0; i < 2000; i++) {
                long t = now[0] += 250_000;
                int u = 1000 + (i % units);
                int c = i % pcpus;
                boolean runningSomewhere = false;
                for (int r : running) {
                    runningSomewhere |= r == u;
                }
                if (!runningSomewhere) {
                    if (i % 3 == 0) {
                        p.sleep(u, t);
                    } else {
                        p.wake(u, t);
                    }
                }
                int prev = running[c];
                SchedDecision d = p.schedule(c, t, prev, 250_000, i % 5 != 0, out[c]);
                running[c] = d.unit;
            }
        };
        for (int w = 0; w < 20; w++) {
            round.run();
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int w = 0; w < 20; w++) {
            round.run();
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        // The counter itself may account a few bytes; 40,000 calls allocating anything would show.
        assertTrue(allocated < 1024, name + " allocated " + allocated + " bytes over 40,000 decisions");
    }
}
