package dev.domus.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The SchedulingPolicy protocol as the hypervisor drives it, on one pCPU. */
class YieldAndProtocolTest {

    static Iterable<String> policies() {
        return SchedulingPolicies.NAMES;
    }

    @ParameterizedTest
    @ValueSource(strings = {"credit2", "credit"})
    void yieldingUnitLetsItsPeerRun(String name) {
        SchedulingPolicy p = SchedulingPolicies.create(name, 1);
        p.insertUnit(new SchedUnit(1, 1, 0));
        p.insertUnit(new SchedUnit(2, 2, 0));
        SchedDecision d = new SchedDecision();
        assertEquals(0, p.wake(1, 0));
        p.wake(2, 0);
        p.schedule(0, 0, SchedDecision.IDLE, 0, false, d);
        int first = d.unit;
        int other = first == 1 ? 2 : 1;
        // Well inside the ratelimit, a plain reschedule keeps the first unit...
        p.schedule(0, 100_000, first, 100_000, true, d);
        assertEquals(first, d.unit);
        // ...but a yield hands the pCPU over at once.
        p.yield(first, 200_000);
        p.schedule(0, 200_000, first, 100_000, true, d);
        assertEquals(other, d.unit);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void blockedUnitIsNotPickedUntilItWakes(String name) {
        SchedulingPolicy p = SchedulingPolicies.create(name, 1);
        p.insertUnit(new SchedUnit(5, 1, 0), SchedParams.defaults().withRt(10_000_000, 1_000_000));
        SchedDecision d = new SchedDecision();
        p.schedule(0, 0, SchedDecision.IDLE, 0, false, d);
        assertEquals(SchedDecision.IDLE, d.unit, "not runnable before its first wake");
        assertEquals(0, p.wake(5, 1_000), "an idle pCPU is tickled");
        p.schedule(0, 1_000, SchedDecision.IDLE, 0, false, d);
        assertEquals(5, d.unit);
        assertTrue(d.sliceNs > 0);
        p.schedule(0, 2_000, 5, 1_000, false, d);
        assertEquals(SchedDecision.IDLE, d.unit, "blocked");
        assertEquals(SchedDecision.NO_TIMEOUT, d.sliceNs, "nothing to wait for but a wake-up");
        p.removeUnit(new SchedUnit(5, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> p.wake(5, 3_000));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void runningUnitCannotBeRemoved(String name) {
        SchedulingPolicy p = SchedulingPolicies.create(name, 2);
        p.insertUnit(new SchedUnit(5, 1, 0), SchedParams.defaults().withRt(10_000_000, 1_000_000));
        p.wake(5, 0);
        SchedDecision d = new SchedDecision();
        p.schedule(0, 0, SchedDecision.IDLE, 0, false, d);
        p.schedule(1, 0, SchedDecision.IDLE, 0, false, d);
        assertThrows(IllegalStateException.class, () -> p.removeUnit(new SchedUnit(5, 1, 0)));
        assertThrows(IllegalArgumentException.class, () -> p.schedule(2, 0, SchedDecision.IDLE, 0, false, d));
    }

    @ParameterizedTest
    @ValueSource(strings = {"credit2", "credit"})
    void cappedUnitOnAnIdlePcpuAsksToBeRescheduledWhenItsBudgetReturns(String name) {
        SchedulingPolicy p = SchedulingPolicies.create(name, 1);
        p.insertUnit(new SchedUnit(1, 1, 0), SchedParams.defaults().withCap(10));
        p.wake(1, 0);
        SchedDecision d = new SchedDecision();
        p.schedule(0, 0, SchedDecision.IDLE, 0, false, d);
        assertEquals(1, d.unit);
        long t = d.sliceNs;
        p.schedule(0, t, 1, t, true, d);
        assertEquals(SchedDecision.IDLE, d.unit, "over its cap");
        assertTrue(d.sliceNs > 0 && d.sliceNs < SchedDecision.NO_TIMEOUT, "asks again when the budget returns");
        long back = t + d.sliceNs;
        p.schedule(0, back, SchedDecision.IDLE, 0, false, d);
        assertEquals(1, d.unit, "runs again after replenishment");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void hardAffinityChangedWhileRunningMovesTheUnitAtItsNextSchedule(String name) {
        SchedulingPolicy p = SchedulingPolicies.create(name, 2);
        p.insertUnit(new SchedUnit(5, 1, 0), SchedParams.defaults().withRt(10_000_000, 2_000_000));
        java.util.BitSet zero = new java.util.BitSet();
        zero.set(0);
        java.util.BitSet one = new java.util.BitSet();
        one.set(1);
        p.adjust(5, SchedParams.defaults().withRt(10_000_000, 2_000_000).withHardAffinity(zero));
        p.wake(5, 0);
        SchedDecision d = new SchedDecision();
        p.schedule(0, 0, SchedDecision.IDLE, 0, false, d);
        assertEquals(5, d.unit);
        p.adjust(5, SchedParams.defaults().withRt(10_000_000, 2_000_000).withHardAffinity(one));
        p.schedule(0, 100_000, 5, 100_000, true, d);
        assertEquals(SchedDecision.IDLE, d.unit, "pCPU 0 is no longer allowed");
        p.schedule(1, 100_000, SchedDecision.IDLE, 0, false, d);
        assertEquals(5, d.unit, "it runs on pCPU 1 now");
    }
}
