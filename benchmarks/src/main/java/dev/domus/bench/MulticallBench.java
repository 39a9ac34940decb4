package dev.domus.bench;

import static dev.domus.abi.flyweight.MulticallEntryFlyweight.ARGS_OFFSET;
import static dev.domus.abi.flyweight.MulticallEntryFlyweight.LENGTH;
import static dev.domus.abi.flyweight.MulticallEntryFlyweight.OP_OFFSET;
import static dev.domus.abi.flyweight.MulticallEntryFlyweight.RESULT_OFFSET;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.Xen;
import dev.domus.abi.XenVersion;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A multicall batch of {@code batch} null hypercalls against the same number of synchronous
 * hypercalls: the ratio is the per-entry cost of a batch relative to one sync call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MulticallBench {

    @Param({"1", "8", "32", "128"})
    public int batch;

    private HypercallGate gate;
    private long callList;

    @Setup
    public void setUp(HostState host) {
        gate = host.dom0.gate();
        GuestMemory mem = host.dom0.memory();
        int pages = (batch * LENGTH + Xen.PAGE_SIZE - 1) / Xen.PAGE_SIZE;
        callList = host.dom0.pages().allocate(pages);
        for (int i = 0; i < batch; i++) {
            long e = callList + (long) i * LENGTH;
            mem.putLong(e + OP_OFFSET, Hypercalls.__HYPERVISOR_xen_version);
            mem.putLong(e + ARGS_OFFSET, XenVersion.XENVER_version);
        }
        long rc = gate.call(Hypercalls.__HYPERVISOR_multicall, callList, batch);
        long first = mem.getLong(callList + RESULT_OFFSET);
        if (rc != 0 || first != ((4 << 16) | 17)) {
            throw new IllegalStateException("multicall returned " + rc + ", first result " + first);
        }
    }

    @Benchmark
    public long multicall() {
        return gate.call(Hypercalls.__HYPERVISOR_multicall, callList, batch);
    }

    @Benchmark
    public long multicallBaseline() {
        long r = 0;
        for (int i = 0; i < batch; i++) {
            r += gate.call(Hypercalls.__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0, 0, 0, 0);
        }
        return r;
    }
}
