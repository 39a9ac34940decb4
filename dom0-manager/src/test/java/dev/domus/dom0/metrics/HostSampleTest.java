package dev.domus.dom0.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The toolstack JSON a sample is built from: read strictly, and CPU% from two samples. */
class HostSampleTest {

    private static final String INFO = "{\"home\":\"/h\",\"nr_cpus\":2,\"total_memory_mib\":256,"
            + "\"free_memory_mib\":176,\"scheduler\":\"credit2\",\"domains\":1,\"xenstored_socket\":\"/h/x\"}\n";

    private static String list(long cpuNs) {
        return "[{\"domid\":1,\"name\":\"a \\\"b\\\"\",\"state\":\"running\",\"xl_state\":\"r-----\","
                + "\"memory_mib\":16,\"maxmem_mib\":32,\"vcpus\":1,\"cpu_time_ns\":" + cpuNs + "}]\n";
    }

    @Test
    void parsesTheToolstacksJsonAndMeasuresCpuPercentOverWallTime() {
        HostSample a = HostSample.parse(1_000_000_000L, INFO, list(0));
        HostSample b = HostSample.parse(1_500_000_000L, INFO, list(250_000_000L));
        assertEquals(2, b.pcpus());
        assertEquals(176, b.freeMemoryMib());
        DomainSample d = b.domains().get(0);
        assertEquals("a \"b\"", d.name());
        assertEquals(32, d.maxmemMib());
        assertEquals(50.0, b.cpuPercentSince(a).get(1), 1e-9);
        assertEquals(0.0, a.cpuPercentSince(b).get(1), 1e-9, "a counter going back is not negative CPU");
        assertEquals(2, HostSample.parse(0, INFO, "[]").pcpus());
    }

    private static String stats(long timeNs, long cpuNs, long blockedNs) {
        return "[{\"domid\":1,\"name\":\"a\",\"time_ns\":" + timeNs + ",\"cpu_time_ns\":" + cpuNs
                + ",\"runstate_blocked_ns\":" + blockedNs + ",\"events_received\":7,"
                + "\"hypercalls:event_channel_op:EVTCHNOP_send\":3,\"hypercalls:xen_version:XENVER_version\":2},"
                + "{\"domid\":9,\"name\":\"gone\",\"events_received\":1}]\n";
    }

    @Test
    void countersComeFromTheStatsReplyByDomidAndBlockedPercentIsOverWallTime() {
        // The samples' own times are skewed (a slow query); the rates use domusd's time_ns.
        HostSample a = HostSample.parse(1_000_000_000L, INFO, list(0), stats(5_000_000_000L, 0, 0));
        HostSample b = HostSample.parse(1_100_000_000L, INFO, list(0), stats(5_500_000_000L, 250_000_000L,
                100_000_000L));
        DomainSample d = b.domains().get(0);
        assertEquals(7, d.counter("events_received"));
        assertEquals(3, d.counter("hypercalls:event_channel_op:EVTCHNOP_send"));
        assertEquals(5, d.counterSum("hypercalls:"));
        assertEquals(0, d.counter("no_such_counter"));
        assertTrue(!d.counters().containsKey("name"), "only integers are counters");
        assertEquals(1, b.domains().size(), "a domain only in the stats reply is not listed");
        assertEquals(20.0, b.blockedPercentSince(a).get(1), 1e-9);
        assertEquals(50.0, b.cpuPercentSince(a).get(1), 1e-9);
        assertTrue(HostSample.parse(0, INFO, list(0)).domains().get(0).counters().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> HostSample.parse(0, INFO, list(0), "[{\"name\":\"x\"}]"),
                "a stats entry without domid");
    }

    @Test
    void malformedOrChangedJsonIsRefusedNotMisread() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostSample.parse(0, INFO, list(1) + "x"))
                .getMessage().contains("trailing data"));
        assertThrows(IllegalArgumentException.class, () -> HostSample.parse(0, INFO, "[{\"domid\":1.5}]"));
        assertThrows(IllegalArgumentException.class, () -> HostSample.parse(0, INFO, "[{\"domid\":1,\"domid\":2}]"));
        assertThrows(IllegalArgumentException.class, () -> HostSample.parse(0, INFO, "[{\"domid\":1}"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> HostSample.parse(0, INFO, list(1).replace("\"vcpus\"", "\"vcpu\""))).getMessage().contains("vcpus"));
        assertThrows(IllegalArgumentException.class, () -> HostSample.parse(0, "{\"nr_cpus\":\"2\"}", "[]"));
        assertThrows(IllegalArgumentException.class, () -> HostSample.parse(0, "{\"a\":\"\\q\"}", "[]"));
    }
}
