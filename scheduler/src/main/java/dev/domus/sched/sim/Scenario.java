package dev.domus.sched.sim;

import java.util.List;

/**
 * A simulation to run: a policy by name, virtual pCPUs, how long, a seed, and groups of
 * units. Parsed from a scenario file by {@link ScenarioParser}.
 */
public record Scenario(String policy, int pcpus, long durationNs, long seed, List<UnitSpec> units) {

    public Scenario {
        units = List.copyOf(units);
    }

    /** Total number of units over all groups. */
    public int unitCount() {
        int n = 0;
        for (UnitSpec u : units) {
            n += u.count();
        }
        return n;
    }
}
