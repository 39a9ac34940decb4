package dev.domus.hv.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainState;
import dev.domus.hv.loader.VerifyingKernelLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guest loader (issue 7) on a real host: kernels are verified at the Domus kernel domctl
 * and run instrumented on real vCPU threads and pCPU run tokens. Lives in the boot package
 * only to observe domains through {@code Host.hypervisor()}.
 */
@Timeout(120) // a guard against a guest escaping its safepoints, not a timing check
class GuestIsolationOnHostTest {

    private Host host;

    @BeforeEach
    void boot() {
        host = Host.start(HostConfig.defaults().withMemory(128L << 20).withPcpus(1).withDom0Memory(8L << 20));
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    private Domain awaitState(int domid, DomainState state) {
        for (int i = 0; i < 20_000_000; i++) {
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

    private void awaitConsole(Domain d, String text) {
        for (int i = 0; i < 20_000_000; i++) {
            if (d.console().peekText().contains(text)) {
                return;
            }
            Thread.onSpinWait();
            if (i % 1000 == 0) {
                Thread.yield();
            }
        }
        throw new AssertionError("d" + d.domid() + " never wrote " + text);
    }

    private BuiltDomain build(Class<?> kernel) throws DomainBuildException {
        return new DomainBuilder(host.dom0()).build(DomainSpec.of(kernel.getName(), 1024, 1));
    }

    /** Says it spins, then spins in {@code while (true)} without ever calling out. */
    public static final class Spinner implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            TestKernels.console(v, "spinning\n");
            while (true) {
                // no hypercall, no SDK: only the instrumentation's safepoints
            }
        }
    }

    /** Spins inside catch (Throwable) and finally, again and again. */
    public static final class Unkillable implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            TestKernels.console(v, "spinning\n");
            while (true) {
                try {
                    try {
                        while (true) {
                            // spin
                        }
                    } finally {
                        TestKernels.console(v, "finally ran\n");
                    }
                } catch (Throwable t) {
                    TestKernels.console(v, "caught " + t + "\n");
                }
            }
        }
    }

    /** Keeps 1 MiB arrays forever (the default java_heap quota is 64 MiB). */
    public static final class Bomb implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            List<byte[]> kept = new ArrayList<>();
            try {
                while (true) {
                    kept.add(new byte[1 << 20]);
                }
            } catch (Throwable t) {
                TestKernels.console(v, "caught " + t + "\n");
            }
        }
    }

    /** Recurses without end. */
    public static final class Recurser implements GuestKernel {
        int down(int n) {
            return down(n + 1) + 1;
        }

        @Override
        public void start(VcpuContext v) {
            TestKernels.console(v, "depth " + down(0) + "\n");
        }
    }

    /** Tries to leave the JVM. */
    public static final class Exiter implements GuestKernel {
        @Override
        public void start(VcpuContext v) {
            System.exit(3);
        }
    }

    @Test
    void theHostVerifiesKernelsByDefault() {
        assertSame(VerifyingKernelLoader.class, host.hypervisor().kernels().getClass());
    }

    @Test
    void refusedKernelFailsDomainCreationWithTheVerifiersMessageAndLeavesNothing() {
        long baseline = host.freeFrames();
        DomainBuildException e = assertThrows(DomainBuildException.class, () -> build(Exiter.class));
        assertTrue(e.getMessage().contains("java.lang.System.exit"), e::getMessage);
        assertTrue(e.getMessage().contains("System/Runtime are not available to guests"), e::getMessage);
        assertEquals(XenErrno.XEN_ENOEXEC, e.xenError());
        assertEquals(1, host.hypervisor().domains().list().size(), "only Dom0 is left");
        assertEquals(baseline, host.freeFrames());
    }

    @Test
    void tightLoopIsPreemptedSoAnotherGuestOnTheSamePcpuRunsThenItIsDestroyed() throws Exception {
        long baseline = host.freeFrames();
        BuiltDomain spin = build(Spinner.class);
        Domain s = host.hypervisor().domains().get(spin.domid());
        awaitConsole(s, "spinning");
        BuiltDomain hello = build(TestKernels.Hello.class); // one pCPU: it runs only if the spinner is preempted
        Domain h = awaitState(hello.domid(), DomainState.SHUTDOWN);
        assertEquals(SchedOp.SHUTDOWN_poweroff, h.shutdownReason());
        assertEquals(DomainState.RUNNING, s.state(), "the spinner still spins");
        assertEquals(0, h.destroy(5000));
        assertEquals(0, s.destroy(5000));
        assertTrue(s.threadsEnded());
        assertEquals(baseline, host.freeFrames());
    }

    @Test
    void catchingThrowableAndFinallyDoNotStopDestruction() throws Exception {
        BuiltDomain b = build(Unkillable.class);
        Domain d = host.hypervisor().domains().get(b.domid());
        awaitConsole(d, "spinning");
        assertEquals(0, d.destroy(5000));
        assertTrue(d.threadsEnded());
        assertTrue(!d.console().peekText().contains("caught") && !d.console().peekText().contains("finally"),
                d.console().peekText());
    }

    @Test
    void allocationBombCrashesOnlyItsDomain() throws Exception {
        BuiltDomain bomb = build(Bomb.class);
        Domain d = awaitState(bomb.domid(), DomainState.SHUTDOWN);
        assertEquals(SchedOp.SHUTDOWN_crash, d.shutdownReason());
        assertTrue(d.crashMessage().contains("java_heap quota exceeded"), d.crashMessage());
        assertTrue(!d.console().peekText().contains("caught"), d.console().peekText());
        Domain h = awaitState(build(TestKernels.Hello.class).domid(), DomainState.SHUTDOWN);
        assertEquals(SchedOp.SHUTDOWN_poweroff, h.shutdownReason(), "the host runs other guests on");
    }

    @Test
    void javaHeapOfTheDomainSpecIsTheQuotaTheGuestMeets() throws Exception {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(
                DomainSpec.of(Bomb.class.getName(), 1024, 1).withJavaHeapBytes(8L << 20));
        Domain d = awaitState(b.domid(), DomainState.SHUTDOWN);
        assertEquals(8L << 20, d.heapQuota().limitBytes());
        assertTrue(d.crashMessage().contains("quota 8192 KiB"), d.crashMessage());
    }

    @Test
    void deepRecursionCrashesOnlyItsDomain() throws Exception {
        Domain d = awaitState(build(Recurser.class).domid(), DomainState.SHUTDOWN);
        assertEquals(SchedOp.SHUTDOWN_crash, d.shutdownReason());
        assertTrue(d.crashMessage().contains("call depth"), d.crashMessage());
        Domain h = awaitState(build(TestKernels.Hello.class).domid(), DomainState.SHUTDOWN);
        assertEquals(SchedOp.SHUTDOWN_poweroff, h.shutdownReason());
    }
}
