package dev.domus.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad parameters are refused with a clear message, by every policy, and change nothing. */
class ParameterValidationTest {

    static Iterable<String> policies() {
        return SchedulingPolicies.NAMES;
    }

    private static SchedulingPolicy withUnit(String name) {
        SchedulingPolicy p = SchedulingPolicies.create(name, 4);
        p.insertUnit(new SchedUnit(7, 1, 0));
        p.adjust(7, SchedParams.defaults().withWeight(300).withRt(20_000_000, 2_000_000));
        return p;
    }

    private static void refused(SchedulingPolicy p, SchedParams bad, String mentions) {
        SchedParams before = p.params(7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.adjust(7, bad));
        assertTrue(e.getMessage().contains(mentions), "message '" + e.getMessage() + "' should mention " + mentions);
        assertEquals(before, p.params(7), "a refused adjust must change nothing");
    }

    private static BitSet cpus(int... c) {
        BitSet b = new BitSet();
        for (int i : c) {
            b.set(i);
        }
        return b;
    }

    @ParameterizedTest
    @MethodSource("policies")
    void weightZeroIsRefused(String name) {
        refused(withUnit(name), SchedParams.defaults().withWeight(0), "weight");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void weightAbove65535IsRefused(String name) {
        refused(withUnit(name), SchedParams.defaults().withWeight(65536), "weight");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void negativeCapIsRefused(String name) {
        refused(withUnit(name), SchedParams.defaults().withCap(-1), "cap");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void budgetAbovePeriodIsRefused(String name) {
        refused(withUnit(name), SchedParams.defaults().withRt(1_000_000, 2_000_000), "budget");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void unknownPcpuInHardAffinityIsRefused(String name) {
        refused(withUnit(name), SchedParams.defaults().withHardAffinity(cpus(1, 4)), "pCPU 4");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void unknownPcpuInSoftAffinityIsRefused(String name) {
        refused(withUnit(name), SchedParams.defaults().withSoftAffinity(cpus(9)), "pCPU 9");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void emptyHardAffinityIsRefused(String name) {
        refused(withUnit(name), SchedParams.defaults().withHardAffinity(new BitSet()), "hard affinity");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void goodParametersAreKept(String name) {
        SchedulingPolicy p = withUnit(name);
        SchedParams good = SchedParams.defaults().withWeight(65535).withCap(50).withHardAffinity(cpus(0, 3))
            .withSoftAffinity(cpus(3)).withRt(10_000_000, 1_000_000);
        p.adjust(7, good);
        assertEquals(good, p.params(7));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void unknownUnitsAndDuplicatesAreRefused(String name) {
        SchedulingPolicy p = withUnit(name);
        assertThrows(IllegalArgumentException.class, () -> p.insertUnit(new SchedUnit(7, 1, 0)));
        assertThrows(IllegalArgumentException.class, () -> p.adjust(8, SchedParams.defaults()));
        assertThrows(IllegalArgumentException.class, () -> p.wake(8, 0));
        assertThrows(IllegalArgumentException.class, () -> p.removeUnit(new SchedUnit(8, 1, 0)));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void insertWithBadParametersAddsNothing(String name) {
        SchedulingPolicy p = SchedulingPolicies.create(name, 2);
        assertThrows(IllegalArgumentException.class,
            () -> p.insertUnit(new SchedUnit(1, 1, 0), SchedParams.defaults().withWeight(0)));
        assertThrows(IllegalArgumentException.class, () -> p.params(1));
        p.insertUnit(new SchedUnit(1, 1, 0), SchedParams.defaults().withWeight(5));
        assertEquals(5, p.params(1).weight());
    }
}
