package dev.domus.bench;

import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.XenVersion;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A null hypercall ({@code xen_version(XENVER_version)}) through Dom0's real gate and the
 * dispatcher, against a plain Java interface call that computes the same answer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SyncHypercallBench {

    /** The baseline's interface: one virtual call, the same arguments and answer. */
    public interface VersionService {
        long call(int op, long a1, long a2, long a3, long a4, long a5);
    }

    static final class PlainVersionService implements VersionService {
        @Override
        public long call(int op, long a1, long a2, long a3, long a4, long a5) {
            return op == Hypercalls.__HYPERVISOR_xen_version && a1 == XenVersion.XENVER_version ? (4 << 16) | 17 : -38;
        }
    }

    private HypercallGate gate;
    private VersionService plain;

    @Setup
    public void setUp(HostState host) {
        gate = host.dom0.gate();
        plain = new PlainVersionService();
        long v = gate.call(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0, 0, 0, 0);
        if (v != plain.call(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0, 0, 0, 0)) {
            throw new IllegalStateException("xen_version returned " + v);
        }
    }

    @Benchmark
    public long xenVersion() {
        return gate.call(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0, 0, 0, 0);
    }

    @Benchmark
    public long xenVersionBaseline() {
        return plain.call(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0, 0, 0, 0);
    }
}
