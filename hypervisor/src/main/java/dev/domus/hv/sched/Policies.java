package dev.domus.hv.sched;

import dev.domus.sched.SchedulingPolicies;
import dev.domus.sched.SchedulingPolicy;

/**
 * Chooses the scheduling policy for a host by Xen's name: the scheduler module's policies
 * ({@link SchedulingPolicies}, credit2 by default), plus {@code rr}, the hypervisor's own
 * weightless {@link RoundRobinPolicy} (for tests of the run-token machinery itself).
 */
public final class Policies {

    private Policies() {
    }

    /** @throws IllegalArgumentException for an unknown name, listing the known ones */
    public static SchedulingPolicy create(String name, int pcpus) {
        if ("rr".equals(name)) {
            return new RoundRobinPolicy(pcpus);
        }
        return SchedulingPolicies.create(name, pcpus);
    }
}
