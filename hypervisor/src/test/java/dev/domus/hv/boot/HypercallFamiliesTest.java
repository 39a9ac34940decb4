package dev.domus.hv.boot;

import static dev.domus.abi.XenErrno.XEN_EFAULT;
import static dev.domus.abi.XenErrno.XEN_EINVAL;
import static dev.domus.abi.XenErrno.XEN_ENOSYS;
import static dev.domus.abi.XenErrno.XEN_EPERM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainState;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class HypercallFamiliesTest {

    private Host host;

    @BeforeEach
    void boot() {
        host = Host.start(HostConfig.defaults().withMemory(64L << 20).withPcpus(1).withDom0Memory(8L << 20));
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    private Domain awaitShutdown(int domid) {
        for (int i = 0; ; i++) {
            Domain d = host.hypervisor().domains().get(domid);
            if (d != null && d.state() == DomainState.SHUTDOWN) {
                return d;
            }
            Thread.onSpinWait();
            if (i % 1000 == 0) {
                Thread.yield();
            }
        }
    }

    private static long checksum(Domain d) {
        GuestMemory m = d.physmap().memory();
        CRC32 crc = new CRC32();
        byte[] page = new byte[4096];
        for (long p = 0; p < d.physmap().currentPages(); p++) {
            m.getBytes(p * 4096, page, 0, page.length);
            crc.update(page);
        }
        return crc.getValue();
    }

    @Test
    void eventChannelPingPongBetweenTwoDomains() throws Exception {
        DomainBuilder builder = new DomainBuilder(host.dom0());
        int rounds = 50;
        // A fresh domain's ports 1 and 2 are its xenstore and console channels: the next is 3.
        int port = 3;
        BuiltDomain pong2 = builder.build(DomainSpec.of(GuestKernels2.Pong.class.getName(), 256, 1)
            .withCmdline("port=" + port + " rounds=" + rounds).paused(true));
        // Dom0 (the toolstack) allocates pong's port for the ping domain it creates next.
        GuestMemory d0 = host.dom0().memory();
        long a = host.dom0().pages().allocate(1);
        d0.putShort(a, (short) pong2.domid());
        d0.putShort(a + 2, (short) (pong2.domid() + 1));
        assertEquals(0, host.dom0().gate().call(Hypercalls.__HYPERVISOR_event_channel_op,
            EventChannelOp.EVTCHNOP_alloc_unbound, a));
        assertEquals(port, d0.getInt(a + 4));
        BuiltDomain ping = builder.build(DomainSpec.of(GuestKernels2.Ping.class.getName(), 256, 1)
            .withCmdline("peer=" + pong2.domid() + " port=" + port + " rounds=" + rounds));
        assertEquals(pong2.domid() + 1, ping.domid());
        host.hypervisor().domains().get(pong2.domid()).unpause();
        Domain pi = awaitShutdown(ping.domid());
        Domain po = awaitShutdown(pong2.domid());
        assertEquals("ping " + rounds + "\n", pi.console().peekText());
        assertEquals("pong " + rounds + "\n", po.console().peekText());
        assertEquals(SchedOp.SHUTDOWN_poweroff, pi.shutdownReason());
    }

    @Test
    void hostileGuestGetsXenErrorsAndOthersAreUntouched() throws Exception {
        DomainBuilder builder = new DomainBuilder(host.dom0());
        BuiltDomain victim = builder.build(DomainSpec.of(TestKernels.Hello.class.getName(), 256, 1));
        Domain v = awaitShutdown(victim.domid());
        long before = checksum(v);
        BuiltDomain hostile = builder.build(DomainSpec.of(GuestKernels2.Hostile.class.getName(), 256, 1).paused(true));
        long dom0Before = checksum(host.hypervisor().domains().get(0));
        host.hypervisor().domains().get(hostile.domid()).unpause();
        Domain h = awaitShutdown(hostile.domid());
        assertEquals(SchedOp.SHUTDOWN_poweroff, h.shutdownReason(), "the hostile guest ran to its end: " + h.crashMessage());
        long[] r = new long[16];
        for (int i = 0; i < r.length; i++) {
            r[i] = h.physmap().memory().getLong(GuestKernels2.RESULTS + 8L * i);
        }
        long[] expected = {
            0,                       // the multicall itself
            (4 << 16) | 17,          // entry 0: xen_version
            -XEN_EFAULT,             // entry 1: console_io from an address it does not own
            -XEN_EINVAL,             // entry 2: nested multicall
            -XEN_ENOSYS,             // entry 3: unknown op
            -XEN_EPERM,              // domctl
            -XEN_EPERM,              // sysctl
            -XEN_EFAULT,             // evtchn send with its struct outside its memory
            -XEN_EINVAL,             // send on a port that does not exist
            -XEN_EINVAL,             // console write of a negative count
            -XEN_EINVAL,             // populate_physmap of Long.MAX_VALUE extents
            -XEN_EPERM,              // populate_physmap into Dom0
            -XEN_ENOSYS,             // hypercall -1
            -XEN_ENOSYS,             // hypercall 1000
            -XEN_EPERM,              // alloc_unbound in Dom0's port space
            (4 << 16) | 17,          // and the gate still works
        };
        assertArrayEquals(expected, r);
        assertEquals(before, checksum(v), "the other domU's memory is unchanged");
        assertEquals(dom0Before, checksum(host.hypervisor().domains().get(0)), "Dom0's memory is unchanged");
    }
}
