package dev.domus.sched.sim;

/** Test helper: runs a scenario given as text. */
final class Sims {

    private Sims() {
    }

    static SimResult run(String scenario) {
        return new Simulator(ScenarioParser.parse(scenario)).run();
    }

    static SimResult run(String policy, int pcpus, String units) {
        return run("policy " + policy + "\npcpus " + pcpus + "\nduration 10s\nseed 7\n" + units);
    }
}
