package dev.domus.sched.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.sched.SchedParams;
import dev.domus.sched.SchedUnit;
import dev.domus.sched.rtds.RtdsPolicy;
import org.junit.jupiter.api.Test;

/** RTDS in virtual time: deadlines, admission control, throttling. */
class RtdsSimulationTest {

    @Test
    void everyAdmittedUnitMeetsEveryDeadline() {
        SimResult r = Sims.run("rtds", 2, """
            unit audio rt period=5ms budget=1ms work=800us
            unit video rt period=20ms budget=8ms work=8ms count=2
            unit ctrl rt period=1ms budget=200us
            unit hog cpu period=10ms budget=3ms
            """);
        for (UnitStats u : r.units()) {
            if (!u.name().equals("hog")) {
                assertTrue(u.jobs() >= 499, u.name() + " released " + u.jobs() + " jobs");
                assertEquals(0, u.deadlineMisses(), u.name() + " missed deadlines");
            }
        }
        assertEquals(0, r.totalDeadlineMisses());
    }

    @Test
    void fullyUtilisedSinglePcpuStillMeetsDeadlines() {
        // EDF on one pCPU is exact up to 100% utilization.
        SimResult r = Sims.run("rtds", 1, """
            unit a rt period=4ms budget=1ms
            unit b rt period=6ms budget=3ms
            unit c rt period=12ms budget=3ms
            """);
        assertEquals(0, r.totalDeadlineMisses());
        assertEquals(0, r.totalIdleNs(), 1_000_000);
    }

    @Test
    void inadmissibleSetIsRefusedWithAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sims.run("rtds", 1, """
            unit a rt period=10ms budget=6ms
            unit b rt period=10ms budget=6ms
            """));
        assertTrue(e.getMessage().contains("unit b") && e.getMessage().contains("admission"), e.getMessage());
    }

    @Test
    void admissionRefusalChangesNothing() {
        RtdsPolicy p = new RtdsPolicy(2);
        p.insertUnit(new SchedUnit(1, 1, 0), SchedParams.defaults().withRt(10_000_000, 6_000_000));
        p.insertUnit(new SchedUnit(2, 2, 0), SchedParams.defaults().withRt(10_000_000, 4_000_000));
        // 0.6 + 0.4 + 0.5 = 1.5 > 2 - 0.6 = 1.4: refused.
        assertThrows(IllegalArgumentException.class,
            () -> p.insertUnit(new SchedUnit(3, 3, 0), SchedParams.defaults().withRt(10_000_000, 5_000_000)));
        assertThrows(IllegalArgumentException.class, () -> p.params(3));
        SchedParams before = p.params(2);
        assertThrows(IllegalArgumentException.class,
            () -> p.adjust(2, SchedParams.defaults().withRt(10_000_000, 9_000_000)));
        assertEquals(before, p.params(2));
        // 0.6 + 0.9 = 1.5 > 2 - 0.9 = 1.1 was refused; lowering the big one makes room.
        p.adjust(1, SchedParams.defaults().withRt(10_000_000, 2_000_000));
        p.insertUnit(new SchedUnit(3, 3, 0), SchedParams.defaults().withRt(10_000_000, 5_000_000));
        assertEquals(5_000_000, p.params(3).budgetNs());
    }

    @Test
    void defaultUnitsBeyondCapacityAreRefusedAtInsert() {
        RtdsPolicy p = new RtdsPolicy(1);
        p.insertUnit(new SchedUnit(1, 1, 0));
        p.insertUnit(new SchedUnit(2, 1, 1));
        // Three default units (4 ms every 10 ms) need 120% of the pCPU.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> p.insertUnit(new SchedUnit(3, 1, 2)));
        assertTrue(e.getMessage().contains("admission"), e.getMessage());
    }

    @Test
    void unitThatOverrunsIsThrottledToItsBudget() {
        SimResult r = Sims.run("rtds", 1, """
            unit hog cpu period=10ms budget=3ms
            unit greedy rt period=5ms budget=1ms work=4ms
            """);
        assertEquals(0.30, r.unit("hog").share(), 0.01);
        assertEquals(0.20, r.unit("greedy").share(), 0.01);
        assertTrue(r.unit("greedy").deadlineMisses() > 100, "a job bigger than its budget misses");
        assertEquals(0.50, r.idleFraction(), 0.01);
    }

    @Test
    void badRtParametersAreRefused() {
        RtdsPolicy p = new RtdsPolicy(1);
        p.insertUnit(new SchedUnit(1, 1, 0));
        assertThrows(IllegalArgumentException.class,
            () -> p.adjust(1, SchedParams.defaults().withRt(5_000, 5_000)));
        assertThrows(IllegalArgumentException.class,
            () -> p.adjust(1, SchedParams.defaults().withRt(10_000_000, 1_000)));
    }

    @Test
    void hardAffinityIsNeverViolated() {
        SimResult r = Sims.run("rtds", 4, """
            unit pinned rt period=10ms budget=2ms count=3 hard=1
            unit pair rt period=5ms budget=1ms count=2 hard=2-3
            unit free rt period=20ms budget=5ms count=4
            """);
        assertEquals(0, r.totalHardViolations());
    }
}
