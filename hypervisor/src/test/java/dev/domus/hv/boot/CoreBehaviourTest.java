package dev.domus.hv.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.Domctl;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.Sysctl;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainState;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CoreBehaviourTest {

    private Host host;

    @BeforeEach
    void boot() {
        host = Host.start(HostConfig.defaults().withMemory(64L << 20).withPcpus(2).withDom0Memory(8L << 20));
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

    private static long out(Domain d, int i) {
        return d.physmap().memory().getLong(GuestKernels2.RESULTS + 8L * i);
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
    void timerRaisesVirqTimerAndWakesTheBlockedVcpu() throws Exception {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(DomainSpec.of(GuestKernels3.TimerGuest.class.getName(), 256, 1));
        Domain d = awaitShutdown(b.domid());
        assertEquals(SchedOp.SHUTDOWN_poweroff, d.shutdownReason(), String.valueOf(d.crashMessage()));
        assertTrue(out(d, 0) > 0, "system time is published in vcpu_time_info");
        assertEquals(0, out(d, 1), "set_timer_op");
        assertTrue(out(d, 2) >= 0, "woken no earlier than the deadline: " + out(d, 2));
        assertEquals(-XenErrno.XEN_ETIME, out(d, 3), "a past deadline with VCPU_SSHOTTMR_future");
        assertEquals(-XenErrno.XEN_ENOENT, out(d, 4), "a vCPU the domain does not have");
    }

    @Test
    void aVcpuPausedWhileBlockedInPollRunsAgainAfterUnpause() throws Exception {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(DomainSpec.of(GuestKernels3.PollSleeper.class.getName(), 256, 1));
        Domain d = host.hypervisor().domains().get(b.domid());
        timers = host.hypervisor().timers();
        for (int round = 0; round < 1000; round++) {
            long before = awaitProgress(d, 0);
            assertEquals(0, d.pause());
            assertEquals(0, d.unpause());
            awaitProgress(d, before);
        }
    }

    private dev.domus.hv.timer.TimerService timers;

    private static String threads() {
        StringBuilder b = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, st) -> {
            if (t.getName().startsWith("domus-")) {
                b.append("\n").append(t.getName()).append(' ').append(t.getState());
                for (int i = 0; i < Math.min(8, st.length); i++) {
                    b.append("\n    ").append(st[i]);
                }
            }
        });
        return b.toString();
    }

    /** Waits until the guest's wake-up counter passes {@code after}; fails after 10 s without. */
    private long awaitProgress(Domain d, long after) {
        long guard = System.nanoTime() + 10_000_000_000L;
        while (true) {
            long n = out(d, 0);
            if (n > after) {
                return n;
            }
            if (System.nanoTime() >= guard) {
                dev.domus.hv.domain.Vcpu v = d.vcpu(0);
                int port = d.physmap().memory().getInt(TestKernels.SCRATCH + 128);
                org.junit.jupiter.api.Assertions.fail("no wake-up after " + after + " in 10 s; state " + d.state()
                        + ", crash " + d.crashMessage() + ", pause " + d.pauseCount() + ", vcpu blocked " + v.isBlocked()
                        + " runstate " + v.runstate() + " pauseCount " + v.pauseCount() + " polling " + v.isPolling()
                        + ", port " + port + " pending " + d.events().isPending(port)
                        + ", upcall " + d.events().upcallPending(0) + ", timers pending " + timers.pending()
                        + " now " + timers.now() + " guest out " + d.physmap().memory().getLong(TestKernels.SCRATCH + 80)
                        + " " + threads());
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void racingVcpuCannotMakeAHypercallActOnWhatItDidNotValidate() throws Exception {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(
            DomainSpec.of(GuestKernels3.DoubleFetch.class.getName(), 512, 2).withMaxMemoryKb(1024).paused(true));
        Domain dom0 = host.hypervisor().domains().get(0);
        long dom0Pages = dom0.physmap().currentPages();
        long dom0Sum = checksum(dom0);
        host.hypervisor().domains().get(b.domid()).unpause();
        Domain d = awaitShutdown(b.domid());
        assertEquals(SchedOp.SHUTDOWN_poweroff, d.shutdownReason(), String.valueOf(d.crashMessage()));
        long ok = out(d, 0);
        long eperm = out(d, 1);
        long other = out(d, 2);
        assertEquals(GuestKernels3.DoubleFetch.ROUNDS, ok + eperm, "only the two honest outcomes");
        assertEquals(0, other);
        assertTrue(out(d, 3) > 0, "vCPU 1 was flipping the request meanwhile");
        assertEquals(dom0Pages, dom0.physmap().currentPages(), "Dom0 got no page");
        assertEquals(dom0Sum, checksum(dom0), "Dom0's memory is untouched");
    }

    @Test
    void dom0DomctlAndSysctlSeeAndControlDomains() throws Exception {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(DomainSpec.of(TestKernels.Sleeper.class.getName(), 512, 2));
        HypercallGate g = host.dom0().gate();
        GuestMemory m = host.dom0().memory();
        long a = host.dom0().pages().allocate(4);
        // getdomaininfo
        domctl(m, a, Domctl.XEN_DOMCTL_getdomaininfo, b.domid());
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_domctl, a));
        assertEquals(b.domid(), m.getShort(a + 16) & 0xffff);
        assertEquals(128, m.getLong(a + 16 + 8), "tot_pages");
        assertEquals(1, m.getInt(a + 16 + 68), "max_vcpu_id");
        // pause: synchronous, nothing runs afterwards
        domctl(m, a, Domctl.XEN_DOMCTL_pausedomain, b.domid());
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_domctl, a));
        Domain d = host.hypervisor().domains().get(b.domid());
        assertTrue(!d.anyRunning());
        domctl(m, a, Domctl.XEN_DOMCTL_getdomaininfo, b.domid());
        g.call(Hypercalls.__HYPERVISOR_domctl, a);
        assertTrue((m.getInt(a + 16 + 4) & Domctl.XEN_DOMINF_paused) != 0, "paused flag");
        domctl(m, a, Domctl.XEN_DOMCTL_unpausedomain, b.domid());
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_domctl, a));
        // sysctl physinfo, sched_id, getdomaininfolist
        sysctl(m, a, Sysctl.XEN_SYSCTL_physinfo);
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_sysctl, a));
        assertEquals(2, m.getInt(a + 8 + 8), "nr_cpus");
        assertEquals(16384, m.getLong(a + 8 + 40), "total_pages of 64 MiB");
        assertTrue(m.getLong(a + 8 + 48) < 16384 - 2048 - 128 + 1, "free_pages exclude Dom0's and the domU's");
        sysctl(m, a, Sysctl.XEN_SYSCTL_sched_id);
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_sysctl, a));
        assertEquals(Domctl.XEN_SCHEDULER_CREDIT2, m.getInt(a + 8));
        sysctl(m, a, Sysctl.XEN_SYSCTL_getdomaininfolist);
        m.putShort(a + 8, (short) 0);
        m.putInt(a + 12, 16);
        m.putLong(a + 16, a + 4096);
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_sysctl, a));
        assertEquals(2, m.getInt(a + 24), "Dom0 and the domU");
        assertEquals(0, m.getShort(a + 4096) & 0xffff);
        assertEquals(b.domid(), m.getShort(a + 4096 + 112) & 0xffff);
        // a wrong interface version, an unknown domain
        domctl(m, a, Domctl.XEN_DOMCTL_getdomaininfo, b.domid());
        m.putInt(a + 4, 1);
        assertEquals(-XenErrno.XEN_EACCES, g.call(Hypercalls.__HYPERVISOR_domctl, a));
        domctl(m, a, Domctl.XEN_DOMCTL_getdomaininfo, 4242);
        assertEquals(-XenErrno.XEN_ESRCH, g.call(Hypercalls.__HYPERVISOR_domctl, a));
        // log-dirty through shadow_op: enable, a guest write is reported by CLEAN, then off
        domctl(m, a, Domctl.XEN_DOMCTL_shadow_op, b.domid());
        m.putInt(a + 16, Domctl.XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_domctl, a));
        d.physmap().copyToGuest(100 * 4096L, new org.agrona.concurrent.UnsafeBuffer(new byte[8]), 0, 8);
        domctl(m, a, Domctl.XEN_DOMCTL_shadow_op, b.domid());
        m.putInt(a + 16, Domctl.XEN_DOMCTL_SHADOW_OP_CLEAN);
        m.putLong(a + 16 + 16, a + 8192);
        m.putLong(a + 16 + 24, 128);
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_domctl, a));
        assertTrue((m.getByte(a + 8192 + 100 / 8) & (1 << (100 % 8))) != 0, "pfn 100 is dirty");
        assertTrue(m.getInt(a + 16 + 36) >= 1, "dirty_count");
        domctl(m, a, Domctl.XEN_DOMCTL_shadow_op, b.domid());
        m.putInt(a + 16, Domctl.XEN_DOMCTL_SHADOW_OP_OFF);
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_domctl, a));
        // destroy from Dom0
        long baseline = host.freeFrames();
        domctl(m, a, Domctl.XEN_DOMCTL_destroydomain, b.domid());
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_domctl, a));
        assertEquals(baseline + 128, host.freeFrames(), "the domU's 128 frames are back");
        assertEquals(-XenErrno.XEN_ESRCH, g.call(Hypercalls.__HYPERVISOR_domctl, a), "destroyed once");
    }

    private static long le8(String s) {
        return java.nio.ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
            .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static void domctl(GuestMemory m, long a, int cmd, int domid) {
        m.setMemory(a, 144, (byte) 0);
        m.putInt(a, cmd);
        m.putInt(a + 4, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        m.putShort(a + 8, (short) domid);
    }

    private static void sysctl(GuestMemory m, long a, int cmd) {
        m.setMemory(a, 136, (byte) 0);
        m.putInt(a, cmd);
        m.putInt(a + 4, Sysctl.XEN_SYSCTL_INTERFACE_VERSION);
    }

    @Test
    void smallerCallsAndACancelledSuspend() throws Exception {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(DomainSpec.of(MiscGuest.class.getName(), 512, 1)
            .withMaxMemoryKb(1024));
        Domain d = awaitShutdown(b.domid());
        assertEquals(SchedOp.SHUTDOWN_suspend, d.shutdownReason(), String.valueOf(d.crashMessage()));
        assertEquals(128, out(d, 0), "current_reservation");
        assertEquals(256, out(d, 1), "maximum_reservation");
        assertEquals(1, out(d, 2), "decrease_reservation");
        assertEquals(127, out(d, 3));
        assertEquals(le8(".0-domus"), out(d, 4), "extraversion");
        assertEquals(le8("xen-3.0-"), out(d, 5), "capabilities start with xen-3.0-x86_64");
        assertEquals(4096, out(d, 6));
        assertEquals(3, out(d, 7), "console read gives back its own 3 bytes");
        assertEquals(0, out(d, 8), "poll times out with 0");
        assertEquals(dev.domus.abi.EventChannelOp.EVTCHNSTAT_ipi, out(d, 9));
        assertEquals(0, out(d, 10), "close");
        assertEquals(-XenErrno.XEN_EINVAL, out(d, 11), "send on a closed port");
        assertEquals(-1, out(d, 12), "suspended: the call has not returned yet");
        // The toolstack cancels the suspend: the guest's SCHEDOP_shutdown returns 1.
        HypercallGate g = host.dom0().gate();
        GuestMemory m = host.dom0().memory();
        long a = host.dom0().pages().allocate(1);
        domctl(m, a, Domctl.XEN_DOMCTL_resumedomain, b.domid());
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_domctl, a));
        for (int i = 0; d.state() != DomainState.SHUTDOWN || d.shutdownReason() != SchedOp.SHUTDOWN_poweroff; i++) {
            Thread.onSpinWait();
            if (i % 1000 == 0) {
                Thread.yield();
            }
        }
        assertEquals(1, out(d, 12), "suspend cancelled");
        // remote_shutdown is Dom0's: it shuts a running domain down.
        BuiltDomain sleeper = new DomainBuilder(host.dom0()).build(DomainSpec.of(TestKernels.Sleeper.class.getName(), 256, 1));
        m.putShort(a, (short) sleeper.domid());
        m.putInt(a + 4, SchedOp.SHUTDOWN_reboot);
        assertEquals(0, g.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_remote_shutdown, a));
        assertEquals(SchedOp.SHUTDOWN_reboot, awaitShutdown(sleeper.domid()).shutdownReason());
    }
}
