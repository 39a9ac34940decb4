package dev.domus.hv.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.ConsoleIo;
import dev.domus.abi.Domctl;
import dev.domus.abi.DomusStats;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuOp;
import dev.domus.abi.XenErrno;
import dev.domus.abi.XenVersion;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainState;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-domain counters Dom0 reads with XEN_DOMCTL_domus_getstats, after real guests ran. */
@Timeout(60)
class DomainStatsTest {

    private Host host;
    private GuestMemory m;
    private HypercallGate g;
    private long a;

    @BeforeEach
    void boot() {
        host = Host.start(HostConfig.defaults().withMemory(64L << 20).withPcpus(2).withDom0Memory(8L << 20));
        m = host.dom0().memory();
        g = host.dom0().gate();
        a = host.dom0().pages().allocate(2);
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    /** One getstats reply: entries by "kind/op/subop/errno", runstate times, events received. */
    record Stats(long rc, int total, Map<String, Long> entries, long[] runstate, long eventsReceived) {
        long calls(int op, int subop) {
            return entries.getOrDefault(DomusStats.DOMUS_STATS_calls + "/" + op + "/" + subop + "/0", 0L);
        }

        long items(int op, int subop) {
            return entries.getOrDefault(DomusStats.DOMUS_STATS_items + "/" + op + "/" + subop + "/0", 0L);
        }

        /** Wake-ups counted in the scheduler's wake-to-run histogram, all buckets. */
        long wakeUps() {
            long n = 0;
            for (int b = DomusStats.DOMUS_STATS_WAKE_LATENCY_MIN_LOG2; b <= DomusStats.DOMUS_STATS_WAKE_LATENCY_MAX_LOG2; b++) {
                n += entries.getOrDefault(DomusStats.DOMUS_STATS_wake_latency + "/" + b + "/"
                        + DomusStats.DOMUS_STATS_SUBOP_NONE + "/0", 0L);
            }
            return n;
        }

        long wakeLatencySumNs() {
            return entries.getOrDefault(DomusStats.DOMUS_STATS_wake_latency_sum + "/0/"
                    + DomusStats.DOMUS_STATS_SUBOP_NONE + "/0", 0L);
        }

        long errors(int op, int errno) {
            return entries.getOrDefault(DomusStats.DOMUS_STATS_errors + "/" + op + "/"
                    + DomusStats.DOMUS_STATS_SUBOP_NONE + "/" + errno, 0L);
        }
    }

    private Stats stats(int domid, int capacity) {
        m.setMemory(a, 144, (byte) 0);
        m.putInt(a, DomusStats.XEN_DOMCTL_domus_getstats);
        m.putInt(a + 4, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        m.putShort(a + 8, (short) domid);
        long buf = a + 4096;
        m.putLong(a + 16 + DomusStats.BUFFER_OFFSET, buf);
        m.putInt(a + 16 + DomusStats.NR_ENTRIES_OFFSET, capacity);
        long rc = g.call(Hypercalls.__HYPERVISOR_domctl, a);
        int total = m.getInt(a + 16 + DomusStats.NR_ENTRIES_OFFSET);
        Map<String, Long> e = new HashMap<>();
        for (int i = 0; i < Math.min(total, capacity); i++) {
            long o = buf + (long) i * DomusStats.DOMUS_STATS_ENTRY_SIZE;
            String key = m.getInt(o + DomusStats.ENTRY_KIND_OFFSET) + "/" + (m.getByte(o) & 0xff) + "/"
                    + (m.getByte(o + 1) & 0xff) + "/" + (m.getShort(o + 2) & 0xffff);
            assertEquals(null, e.put(key, m.getLong(o + DomusStats.ENTRY_COUNT_OFFSET)), "entry twice: " + key);
        }
        long[] rs = new long[4];
        for (int i = 0; i < 4; i++) {
            rs[i] = m.getLong(a + 16 + DomusStats.RUNSTATE_TIME_OFFSET + 8 * i);
        }
        return new Stats(rc, total, e, rs, m.getLong(a + 16 + DomusStats.EVENTS_RECEIVED_OFFSET));
    }

    private Domain awaitShutdown(int domid) {
        Domain d = host.hypervisor().domains().get(domid);
        while (d.state() != DomainState.SHUTDOWN) {
            Thread.onSpinWait();
        }
        return d;
    }

    @Test
    void getstatsCountsExactlyTheHypercallsAGuestMadeByOpSubopAndError() throws Exception {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(DomainSpec.of(StatsGuest.class.getName(), 256, 1));
        Domain d = awaitShutdown(b.domid());
        assertEquals(SchedOp.SHUTDOWN_poweroff, d.shutdownReason(), String.valueOf(d.crashMessage()));

        Stats s = stats(b.domid(), 256);
        assertEquals(0, s.rc());
        assertEquals(s.total(), s.entries().size(), "every entry fits in 256");
        assertEquals(StatsGuest.XEN_VERSION_CALLS, s.calls(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_version));
        int evtchn = Hypercalls.__HYPERVISOR_event_channel_op;
        assertEquals(StatsGuest.BAD_SENDS + StatsGuest.IPI_SENDS, s.calls(evtchn, EventChannelOp.EVTCHNOP_send));
        assertEquals(1, s.calls(evtchn, EventChannelOp.EVTCHNOP_bind_ipi));
        assertEquals(StatsGuest.BAD_SENDS, s.errors(evtchn, XenErrno.XEN_EINVAL));
        assertEquals(StatsGuest.UNASSIGNED_CALLS, s.calls(StatsGuest.UNASSIGNED, DomusStats.DOMUS_STATS_SUBOP_NONE));
        assertEquals(StatsGuest.UNASSIGNED_CALLS, s.errors(StatsGuest.UNASSIGNED, XenErrno.XEN_ENOSYS));
        assertEquals(1, s.calls(Hypercalls.__HYPERVISOR_console_io, ConsoleIo.CONSOLEIO_write));
        assertEquals(6, s.items(Hypercalls.__HYPERVISOR_console_io, ConsoleIo.CONSOLEIO_write), "console bytes");
        assertEquals(1, s.calls(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_shutdown));
        assertEquals(StatsGuest.IPI_SENDS, s.eventsReceived(), "the two IPIs it sent itself");
        assertTrue(s.runstate()[VcpuOp.RUNSTATE_running] > 0, "it ran");
        long sum = 0;
        for (long t : s.runstate()) {
            assertTrue(t >= 0);
            sum += t;
        }
        assertTrue(sum >= s.runstate()[VcpuOp.RUNSTATE_running]);

        // A buffer too small: only what fits is written, and the count says how many there are.
        Stats small = stats(b.domid(), 2);
        assertEquals(0, small.rc());
        assertEquals(s.total(), small.total());
        assertEquals(2, small.entries().size());
        // Nobody but Dom0; an unknown domain.
        assertEquals(-XenErrno.XEN_ESRCH, stats(4242, 4).rc());
    }

    @Test
    void aBlockedGuestAccumulatesBlockedTimeAndTheDom0CallsAreItsOwn() throws Exception {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(
                DomainSpec.of(TestKernels.Sleeper.class.getName(), 256, 1));
        Stats s = stats(b.domid(), 64);
        while (s.runstate()[VcpuOp.RUNSTATE_blocked] == 0) {
            Thread.onSpinWait(); // until the Sleeper has gone to sleep once
            s = stats(b.domid(), 64);
        }
        // (Its SCHEDOP_block is counted when it returns: a call is counted as it completes.)
        assertTrue(s.runstate()[VcpuOp.RUNSTATE_running] > 0, "it ran before it blocked");
        assertEquals(0, s.calls(Hypercalls.__HYPERVISOR_domctl, DomusStats.DOMUS_STATS_SUBOP_NONE),
                "Dom0's domctls are counted for Dom0, not for the domain they name");
        Stats dom0 = stats(0, 64);
        assertTrue(dom0.calls(Hypercalls.__HYPERVISOR_domctl, DomusStats.DOMUS_STATS_SUBOP_NONE) >= 2, () -> dom0.total() + " " + dom0.entries());

    }

    @Test
    void everyWakeOfABlockedVcpuLandsInTheWakeLatencyHistogram() throws Exception {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(
                DomainSpec.of(TestKernels.Sleeper.class.getName(), 256, 1));
        dev.domus.hv.domain.Vcpu v = host.hypervisor().domains().get(b.domid()).vcpu(0);
        int wakes = 20;
        awaitBlocked(v);
        long before = stats(b.domid(), 256).wakeUps();
        for (int i = 0; i < wakes; i++) {
            v.wake(); // what an event or a timer for it does
            awaitBlocked(v); // a wake-up is one only once it has blocked again
        }
        Stats s = stats(b.domid(), 256);
        assertEquals(wakes, s.wakeUps() - before, () -> "histogram " + s.entries());
        assertTrue(s.wakeLatencySumNs() > 0);
    }

    private static void awaitBlocked(dev.domus.hv.domain.Vcpu v) {
        while (v.runstate() != VcpuOp.RUNSTATE_blocked) {
            Thread.onSpinWait();
        }
    }
}
