package dev.domus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Keeps the benchmarks from rotting: runs one benchmark and its baseline for a moment,
 * in-process, and checks both produced a score. It asserts nothing about speed.
 */
class BenchmarkSmokeTest {

    @Test
    void syncHypercallBenchmarkAndItsBaselineRun() throws Exception {
        // JMH's machine-wide /tmp/jmh.lock keeps real measurements apart; this run measures
        // nothing, so a benchmark running elsewhere on the machine must not fail the build.
        System.setProperty("jmh.ignoreLock", "true");
        Options opts = new OptionsBuilder()
            .include(SyncHypercallBench.class.getName() + ".*")
            .forks(0)
            .warmupIterations(1).warmupTime(TimeValue.milliseconds(100))
            .measurementIterations(1).measurementTime(TimeValue.milliseconds(200))
            .shouldFailOnError(true)
            .build();
        Collection<RunResult> results = new Runner(opts).run();
        assertEquals(2, results.size(), "the benchmark and its baseline");
        for (RunResult r : results) {
            double score = r.getPrimaryResult().getScore();
            assertTrue(score > 0 && Double.isFinite(score), r.getParams().getBenchmark() + " scored " + score);
        }
    }

    /**
     * The overcommit benchmarks (issue 11) at a small size: each checks its own work (every
     * duplicate shared, every fault a real copy-on-write or page-in with the right content)
     * and throws otherwise, which fails the run.
     */
    @Test
    void overcommitBenchmarksAndTheirBaselinesRun() throws Exception {
        System.setProperty("jmh.ignoreLock", "true");
        Options opts = new OptionsBuilder()
            .include("(" + SharingScanBench.class.getName() + "|" + CowFaultBench.class.getName() + "|"
                + PageInBench.class.getName() + ")\\..*")
            .param("mib", "8")
            .forks(0)
            .warmupIterations(1).warmupTime(TimeValue.milliseconds(100))
            .measurementIterations(1).measurementTime(TimeValue.milliseconds(200))
            .shouldFailOnError(true)
            .build();
        Collection<RunResult> results = new Runner(opts).run();
        assertEquals(6, results.size(), "three benchmarks and their baselines");
        for (RunResult r : results) {
            double score = r.getPrimaryResult().getScore();
            assertTrue(score > 0 && Double.isFinite(score), r.getParams().getBenchmark() + " scored " + score);
        }
    }
}
