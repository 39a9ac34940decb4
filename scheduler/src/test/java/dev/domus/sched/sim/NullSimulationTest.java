package dev.domus.sched.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.sched.SchedParams;
import dev.domus.sched.SchedUnit;
import dev.domus.sched.nul.NullPolicy;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** The null scheduler: one unit per pCPU, the rest wait. */
class NullSimulationTest {

    @Test
    void eachUnitRunsAloneOnItsPcpu() {
        SimResult r = Sims.run("null", 4, "unit u cpu count=4\n");
        for (UnitStats u : r.units()) {
            assertEquals(1.0, u.share(), 1e-9, u.name());
            assertEquals(0, u.migrations());
        }
        assertEquals(0, r.totalIdleNs());
    }

    @Test
    void unitsBeyondThePcpuCountWaitAndRunWhenOneLeaves() {
        SimResult r = Sims.run("null", 2, """
            unit first cpu
            unit leaver cpu stop=4s
            unit waiter cpu
            unit last cpu
            """);
        assertEquals(1.0, r.unit("first").share(), 1e-9);
        assertEquals(1.0, r.unit("leaver").share(), 1e-9);
        // The first in line gets the freed pCPU at 4 s; the next one keeps waiting.
        assertEquals(0.6, r.unit("waiter").share(), 1e-9);
        assertEquals(0.0, r.unit("last").share(), 1e-9);
        assertEquals(0, r.totalIdleNs());
    }

    @Test
    void blockedUnitKeepsItsPcpuAndRunsAsSoonAsItWakes() {
        SimResult r = Sims.run("null", 1, """
            unit io io burst=100us sleep=1ms
            unit other cpu
            """);
        assertEquals(0.0, r.unit("other").share(), 1e-9);
        assertEquals(0, r.unit("io").maxLatencyNs());
        assertTrue(r.idleFraction() > 0.8);
    }

    @Test
    void assignmentFollowsHardAndSoftAffinity() {
        NullPolicy p = new NullPolicy(4);
        BitSet three = new BitSet();
        three.set(3);
        BitSet two = new BitSet();
        two.set(2);
        p.insertUnit(new SchedUnit(1, 1, 0), SchedParams.defaults().withHardAffinity(three));
        p.insertUnit(new SchedUnit(2, 2, 0), SchedParams.defaults().withSoftAffinity(two));
        p.insertUnit(new SchedUnit(3, 3, 0), SchedParams.defaults().withHardAffinity(three));
        assertEquals(3, p.assignedCpu(1));
        assertEquals(2, p.assignedCpu(2));
        assertEquals(-1, p.assignedCpu(3), "pCPU 3 is taken: unit 3 waits");
        p.removeUnit(new SchedUnit(1, 1, 0));
        assertEquals(3, p.assignedCpu(3));
        SimResult r = Sims.run("null", 4, """
            unit a cpu hard=3
            unit b cpu hard=3
            unit c cpu soft=1
            """);
        assertEquals(0, r.totalHardViolations());
        assertEquals(0.0, r.unit("b").share(), 1e-9);
        assertEquals(r.unit("c").cpuNs(), r.unit("c").softNs());
    }
}
