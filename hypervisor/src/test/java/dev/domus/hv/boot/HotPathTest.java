package dev.domus.hv.boot;

import static dev.domus.abi.flyweight.MulticallEntryFlyweight.ARGS_OFFSET;
import static dev.domus.abi.flyweight.MulticallEntryFlyweight.OP_OFFSET;
import static dev.domus.abi.flyweight.MulticallEntryFlyweight.RESULT_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.XenErrno;
import dev.domus.abi.XenVersion;
import dev.domus.abi.flyweight.EvtchnAllocUnboundFlyweight;
import dev.domus.abi.flyweight.EvtchnBindInterdomainFlyweight;
import dev.domus.abi.flyweight.MulticallEntryFlyweight;
import dev.domus.abi.flyweight.SchedPollFlyweight;
import dev.domus.hv.domain.Physmap;
import dev.domus.hv.mem.DomainMemory;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lock-free hot paths Dom0's threads take (hypercall argument copies through the thread's
 * own translation cache, the any-thread memory view) keep the reclamation contract: a Dom0
 * thread that is not inside a hypercall, or is parked in one, never holds back the freeing of
 * frames its domain gave up.
 */
@Timeout(60)
class HotPathTest {

    private Host host;
    private Dom0 dom0;
    private Physmap physmap;
    private DomainMemory memory;

    @BeforeEach
    void boot() {
        host = Host.start(HostConfig.defaults().withMemory(64L << 20).withPcpus(1).withDom0Memory(8L << 20));
        dom0 = host.dom0();
        physmap = host.hypervisor().domains().get(0).physmap();
        memory = physmap.domainMemory();
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    @Test
    void dom0HypercallCopiesGoThroughTheThreadsViewWhichIsOfflineAfterwards() {
        GuestMemory m = dom0.memory();
        long list = dom0.pages().allocate(1);
        int n = 3;
        for (int i = 0; i < n; i++) {
            long e = list + (long) i * MulticallEntryFlyweight.LENGTH;
            m.putLong(e + OP_OFFSET, Hypercalls.__HYPERVISOR_xen_version);
            m.putLong(e + ARGS_OFFSET, XenVersion.XENVER_version);
            m.putLong(e + RESULT_OFFSET, -1);
        }
        assertEquals(0, dom0.gate().call(Hypercalls.__HYPERVISOR_multicall, list, n));
        for (int i = 0; i < n; i++) {
            assertEquals((4 << 16) | 17, m.getLong(list + (long) i * MulticallEntryFlyweight.LENGTH + RESULT_OFFSET));
        }
        assertTrue(physmap.threadView().isOffline(), "the calling thread's view went offline with the call");
        // A multicall whose list runs off Dom0's memory still faults, through the cached path too.
        long outside = physmap.maxPfn() << 12;
        assertEquals(-XenErrno.XEN_EFAULT, dom0.gate().call(Hypercalls.__HYPERVISOR_multicall, outside, 1));
        assertTrue(physmap.threadView().isOffline());
    }

    @Test
    void anyThreadViewServesAlternatingThreadsAndLeavesEachOffline() throws Exception {
        GuestMemory m = dom0.memory();
        long a = dom0.pages().allocate(1);
        AtomicLong seen = new AtomicLong();
        for (int round = 0; round < 20; round++) {
            long value = 1000 + round;
            Thread writer = new Thread(() -> {
                m.putLong(a, value);
                if (!physmap.threadView().isOffline()) {
                    seen.set(-1);
                }
            });
            writer.start();
            writer.join();
            assertEquals(0, seen.get(), "the writer's view is offline after its access");
            assertEquals(value, m.getLong(a), "the main thread reads what the other thread wrote");
            assertTrue(physmap.threadView().isOffline());
        }
    }

    @Test
    void dom0ThreadParkedInPollDoesNotHoldBackReclamation() throws Exception {
        HypercallGate gate = dom0.gate();
        GuestMemory m = dom0.memory();
        long args = dom0.pages().allocate(1);
        // A port bound to another port of Dom0's own: a send on `peer` makes `port` pending.
        m.putShort(args + EvtchnAllocUnboundFlyweight.DOM_OFFSET, (short) 0);
        m.putShort(args + EvtchnAllocUnboundFlyweight.REMOTE_DOM_OFFSET, (short) 0);
        assertEquals(0, gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_alloc_unbound, args));
        int port = m.getInt(args + EvtchnAllocUnboundFlyweight.PORT_OFFSET);
        m.putShort(args + EvtchnBindInterdomainFlyweight.REMOTE_DOM_OFFSET, (short) 0);
        m.putInt(args + EvtchnBindInterdomainFlyweight.REMOTE_PORT_OFFSET, port);
        assertEquals(0, gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_bind_interdomain, args));
        int peer = m.getInt(args + EvtchnBindInterdomainFlyweight.LOCAL_PORT_OFFSET);

        long poll = args + 64;
        long ports = args + 128;
        m.putInt(ports, port);
        m.putLong(poll + SchedPollFlyweight.PORTS_OFFSET, ports);
        m.putInt(poll + SchedPollFlyweight.NR_PORTS_OFFSET, 1);
        m.putLong(poll + SchedPollFlyweight.TIMEOUT_OFFSET, 0); // no timeout: only the event ends it
        AtomicLong rc = new AtomicLong(Long.MIN_VALUE);
        Thread poller = new Thread(() -> rc.set(gate.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, poll)));
        poller.start();
        // Wait until the poller is parked inside the hypercall (it copied its arguments first).
        while (poller.getState() != Thread.State.TIMED_WAITING && poller.getState() != Thread.State.WAITING) {
            assertTrue(poller.isAlive(), "poll returned early: " + rc.get());
            Thread.onSpinWait();
        }
        long victim = dom0.pages().allocate(1);
        m.putLong(victim, 42);
        assertEquals(0, memory.release(victim >>> 12));
        assertEquals(0, memory.quarantined(), "a parked Dom0 thread holds no translation");

        long send = args + 256;
        m.putInt(send, peer);
        assertEquals(0, gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_send, send));
        poller.join();
        assertEquals(0, rc.get());
    }
}
