package dev.domus.hv.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.SchedOp;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class HostBootTest {

    private Host host;

    @BeforeEach
    void boot() {
        host = Host.start(HostConfig.defaults().withMemory(64L << 20).withPcpus(1).withDom0Memory(8L << 20));
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    private Domain awaitState(int domid, DomainState state) throws InterruptedException {
        // The domain's own latch-free state: poll with a bounded, yielding loop (no sleeps as sync).
        for (int i = 0; i < 2_000_000; i++) {
            Domain d = host.hypervisor().domains().get(domid);
            if (d != null && d.state() == state) {
                return d;
            }
            Thread.onSpinWait();
            if (i % 1000 == 0) {
                Thread.yield();
            }
        }
        throw new AssertionError("d" + domid + " never reached " + state);
    }

    @Test
    void helloGuestBootsWritesConsoleAndPowersOff() throws Exception {
        long baseline = host.freeFrames();
        BuiltDomain b = new DomainBuilder(host.dom0()).build(DomainSpec.of(TestKernels.Hello.class.getName(), 1024, 1));
        Domain d = awaitState(b.domid(), DomainState.SHUTDOWN);
        assertEquals(SchedOp.SHUTDOWN_poweroff, d.shutdownReason());
        assertEquals("hello from xen-3.0-x86_64 pages=256\n", d.console().peekText());
        assertEquals(256, d.physmap().currentPages());
        assertEquals(0, d.destroy(5000));
        assertNull(host.hypervisor().domains().get(b.domid()));
        assertTrue(d.threadsEnded());
        assertEquals(baseline, host.freeFrames(), "every frame of the domain is back");
    }

    @Test
    void crashingGuestCrashesOnlyItsDomain() throws Exception {
        BuiltDomain crash = new DomainBuilder(host.dom0()).build(DomainSpec.of(TestKernels.Crasher.class.getName(), 256, 1));
        BuiltDomain ok = new DomainBuilder(host.dom0()).build(DomainSpec.of(TestKernels.Hello.class.getName(), 256, 1));
        Domain c = awaitState(crash.domid(), DomainState.SHUTDOWN);
        assertEquals(SchedOp.SHUTDOWN_crash, c.shutdownReason());
        assertTrue(c.crashMessage().contains("guest bug"), c.crashMessage());
        Domain o = awaitState(ok.domid(), DomainState.SHUTDOWN);
        assertEquals(SchedOp.SHUTDOWN_poweroff, o.shutdownReason());
    }

    @Test
    void destroyEndsBlockedVcpuThreadsAndFreesFrames() throws Exception {
        long baseline = host.freeFrames();
        BuiltDomain b = new DomainBuilder(host.dom0()).build(DomainSpec.of(TestKernels.Sleeper.class.getName(), 512, 2));
        Domain d = host.hypervisor().domains().get(b.domid());
        assertEquals(0, d.destroy(5000));
        assertTrue(d.threadsEnded());
        assertEquals(-XenErrno.XEN_ESRCH, d.gate().call(17, 0));
        assertEquals(baseline, host.freeFrames());
    }

    @Test
    void unknownKernelIsRefusedWithItsReasonAndLeavesNothing() {
        long baseline = host.freeFrames();
        DomainBuildException e = assertThrows(DomainBuildException.class,
            () -> new DomainBuilder(host.dom0()).build(DomainSpec.of("no.such.Kernel", 256, 1)));
        assertTrue(e.getMessage().contains("kernel class not found: no.such.Kernel"), e.getMessage());
        assertEquals(XenErrno.XEN_ENOEXEC, e.xenError());
        assertEquals(1, host.hypervisor().domains().list().size(), "only Dom0 is left");
        assertEquals(baseline, host.freeFrames());
    }

    @Test
    void badHostConfigIsRefusedWithWhatToFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Host.start(HostConfig.defaults().withPcpus(0)));
        assertTrue(e.getMessage().contains("pcpus"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> Host.start(HostConfig.defaults().withMemory(64L << 20).withDom0Memory(8L << 20).withScheduler("fifo")));
        assertTrue(e.getMessage().contains("unknown scheduler 'fifo'"), e.getMessage());
    }

    @Test
    void closeDestroysRunningDomainsAndEndsEveryVcpuThread() throws Exception {
        DomainBuilder builder = new DomainBuilder(host.dom0());
        BuiltDomain burner = builder.build(DomainSpec.of(Burner.class.getName(), 256, 2));
        BuiltDomain sleeper = builder.build(DomainSpec.of(TestKernels.Sleeper.class.getName(), 256, 1));
        Domain b = host.hypervisor().domains().get(burner.domid());
        Domain s = host.hypervisor().domains().get(sleeper.domid());
        while (b.physmap().memory().getLongVolatile(Burner.COUNTER) == 0) {
            Thread.yield();
        }
        host.close();
        assertTrue(host.isClosed());
        assertTrue(b.threadsEnded(), "the burner's vCPU threads ended");
        assertTrue(s.threadsEnded(), "the sleeper's vCPU thread ended");
        assertTrue(host.hypervisor().domains().list().isEmpty(), "no domain outlives the host");
    }
}
