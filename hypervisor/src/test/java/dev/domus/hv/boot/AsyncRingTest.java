package dev.domus.hv.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
class AsyncRingTest {

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

    @Test
    void requestsRunInOrderAFaultFailsAloneAndAFullRingLosesNothing() throws Exception {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(DomainSpec.of(AsyncProbe.class.getName(), 512, 1));
        Domain d = awaitShutdown(b.domid());
        assertEquals(SchedOp.SHUTDOWN_poweroff, d.shutdownReason(), String.valueOf(d.crashMessage()));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < AsyncProbe.N; i++) {
            if (i != 50) {
                expected.append(i).append(',');
            }
        }
        assertEquals(expected.toString(), d.console().peekText(), "each request ran once, in order");
        for (int i = 0; i < AsyncProbe.N; i++) {
            long r = d.physmap().memory().getLong(AsyncProbe.RESULTS + 8L * i);
            assertEquals(i == 50 ? -XenErrno.XEN_EFAULT : 0, r, "response of request " + i);
        }
        assertEquals(1, d.physmap().memory().getLong(AsyncProbe.FLAGS), "responses in request order");
        assertTrue(d.physmap().memory().getLong(AsyncProbe.FLAGS + 8) > 0, "the guest saw the ring full");
    }

    @Test
    void destroyedDomainRunsNoRequestAfterDestroyReturns() throws Exception {
        DomainBuilder builder = new DomainBuilder(host.dom0());
        BuiltDomain b = builder.build(DomainSpec.of(AsyncFlood.class.getName(), 512, 1));
        Domain d = host.hypervisor().domains().get(b.domid());
        for (int i = 0; d.console().available() == 0; i++) {
            Thread.onSpinWait();
            if (i % 1000 == 0) {
                Thread.yield();
            }
        }
        assertEquals(0, d.destroy(5000));
        String atDestroy = d.console().peekText();
        // Run another domain's whole async workload through the same drain threads.
        BuiltDomain other = builder.build(DomainSpec.of(AsyncProbe.class.getName(), 512, 1));
        awaitShutdown(other.domid());
        assertEquals(atDestroy, d.console().peekText(), "nothing ran after destroy returned");
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            all.append(i).append(',');
        }
        assertTrue(all.toString().startsWith(atDestroy), "what ran, ran in order: " + atDestroy);
    }
}
