package dev.domus.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SchedulingPoliciesTest {

    @Test
    void createsEveryListedPolicyUnderItsXenName() {
        for (String name : SchedulingPolicies.NAMES) {
            SchedulingPolicy p = SchedulingPolicies.create(name, 4);
            assertEquals(name, p.name());
        }
        assertEquals("credit2", SchedulingPolicies.create(SchedulingPolicies.DEFAULT, 1).name());
    }

    @Test
    void unknownNameIsRefusedWithTheValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SchedulingPolicies.create("sedf", 4));
        for (String name : SchedulingPolicies.NAMES) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> SchedulingPolicies.create(null, 4));
    }

    @Test
    void noPcpusIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SchedulingPolicies.create("credit2", 0));
    }
}
