package dev.domus.sched.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The scale check: 10,000 units on 64 pCPUs for 10 virtual seconds (the shipped
 * {@code scenarios/scale.txt}) runs to completion on credit2. No timing is asserted; the
 * real time is printed for the record.
 */
class ScaleTest {

    @Test
    void tenThousandUnitsOnSixtyFourPcpusForTenVirtualSeconds() throws Exception {
        Scenario s = ScenarioParser.parse(Path.of("scenarios/scale.txt"));
        assertEquals(10_000, s.unitCount());
        assertEquals(64, s.pcpus());
        long t0 = System.nanoTime();
        SimResult r = new Simulator(s).run();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("scale: " + s.unitCount() + " units, " + s.pcpus() + " pCPUs, 10 virtual s, "
            + r.decisions() + " decisions in " + ms + " ms real");
        assertEquals(0, r.totalHardViolations());
        assertTrue(r.idleFraction() < 0.01, "idle " + r.idleFraction());
        long total = 0;
        for (UnitStats u : r.units()) {
            assertTrue(u.cpuNs() > 0, u.name() + " never ran");
            total += u.cpuNs();
        }
        assertEquals(64 * 10_000_000_000L, total + r.totalIdleNs());
    }
}
