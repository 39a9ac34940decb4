package dev.domus.hv.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.SchedOp;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainState;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** VCPUOP_down / VCPUOP_up / VCPUOP_is_up from real guests on the real run tokens. */
@Timeout(60)
class VcpuHotplugTest {

    private Host host;

    @BeforeEach
    void boot() {
        host = Host.start(HostConfig.defaults().withMemory(64L << 20).withPcpus(2).withDom0Memory(8L << 20));
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    private Domain start(Class<?> kernel, int vcpus) throws DomainBuildException {
        BuiltDomain b = new DomainBuilder(host.dom0()).build(DomainSpec.of(kernel.getName(), 256, vcpus).paused(true));
        Domain d = host.hypervisor().domains().get(b.domid());
        assertEquals(0, d.unpause());
        return d;
    }

    /** Waits for a condition the guest makes true (the test's timeout guards against a hang). */
    private static void await(BooleanSupplier done) {
        while (!done.getAsBoolean()) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void aVcpuBroughtDownStopsAndLeavesTheCountUntilItIsBroughtUpAgain() throws Exception {
        Domain a = start(HotplugGuests.UpDown.class, 2);
        GuestMemory m = a.physmap().memory();
        await(() -> m.getLongVolatile(HotplugGuests.PHASE) == 1);

        assertEquals(0, m.getLong(HotplugGuests.OUT), "VCPUOP_down(1)");
        assertEquals(0, m.getLong(HotplugGuests.OUT + 8), "VCPUOP_is_up(1) after down");
        assertTrue(a.vcpu(1).isDown());
        assertEquals(-1, a.vcpu(1).currentPcpu(), "a down vCPU holds no pCPU");
        assertEquals(1, onlineVcpus(a), "nr_online_vcpus counts only vCPUs that are up");

        // A guest of another domain cannot bring it up: it has no vCPU 1 of its own.
        Domain b = start(HotplugGuests.Hostile.class, 1);
        GuestMemory mb = b.physmap().memory();
        await(() -> mb.getLongVolatile(HotplugGuests.PHASE) == 2);
        assertEquals(-XenErrno.XEN_ENOENT, mb.getLong(HotplugGuests.OUT), "up(1) from a 1-vCPU domain");
        assertEquals(-XenErrno.XEN_ENOENT, mb.getLong(HotplugGuests.OUT + 8), "down(1) from a 1-vCPU domain");
        assertEquals(-XenErrno.XEN_ENOENT, mb.getLong(HotplugGuests.OUT + 16), "is_up(1) from a 1-vCPU domain");
        assertEquals(0, mb.getLong(HotplugGuests.OUT + 24), "up(0) of its own running vCPU is a no-op");
        assertEquals(1, mb.getLong(HotplugGuests.OUT + 32), "is_up(0)");
        assertTrue(a.vcpu(1).isDown(), "the other domain's down vCPU stays down");
        assertEquals(1, onlineVcpus(a));

        m.putLongVolatile(HotplugGuests.GO, 1);
        await(() -> m.getLongVolatile(HotplugGuests.PHASE) == 2);
        assertEquals(0, m.getLong(HotplugGuests.OUT + 16), "the down vCPU did not run while vCPU 0 kept yielding");
        assertEquals(-XenErrno.XEN_ENOENT, m.getLong(HotplugGuests.OUT + 24), "up(2) beyond max_vcpus");
        assertEquals(-XenErrno.XEN_ENOENT, m.getLong(HotplugGuests.OUT + 32), "down(2) beyond max_vcpus");
        assertEquals(-XenErrno.XEN_ENOENT, m.getLong(HotplugGuests.OUT + 40), "is_up(-1)");
        assertEquals(-XenErrno.XEN_ENOENT, m.getLong(HotplugGuests.OUT + 48), "up(2^32)");
        assertEquals(0, m.getLong(HotplugGuests.OUT + 56), "VCPUOP_up(1)");
        assertEquals(1, m.getLong(HotplugGuests.OUT + 64), "VCPUOP_is_up(1) after up");
        assertFalse(a.vcpu(1).isDown());
        assertEquals(2, onlineVcpus(a));
        assertEquals(DomainState.RUNNING, a.state());
    }

    @Test
    void bringingDownTheLastVcpuPowersTheDomainOff() throws Exception {
        Domain d = start(HotplugGuests.LastDown.class, 1);
        await(() -> d.state() == DomainState.SHUTDOWN);
        assertEquals(SchedOp.SHUTDOWN_poweroff, d.shutdownReason());
    }

    private static int onlineVcpus(Domain d) {
        int n = 0;
        for (int i = 0; i < d.vcpuCount(); i++) {
            if (d.vcpu(i).isOnline()) {
                n++;
            }
        }
        return n;
    }
}
