package dev.domus.bench;

import dev.domus.bench.guest.FirstInstruction;
import dev.domus.dom0.toolstack.Dom0Hypercalls;
import dev.domus.dom0.xenstore.ring.Dom0Calls;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A domain's life, as Dom0's toolstack drives it: build (createdomain, memory, start_info,
 * rings, verified and instrumented kernel, unpause) until the guest's first hypercall reaches
 * Dom0 as an event, then destroy. 1e9 / score is domains created per second on one Dom0
 * thread. Baseline: starting and joining a plain Java thread, the floor of starting a vCPU.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DomainLifecycleBench {

    private Host host;
    private Path guests;
    private DomainBuilder builder;
    private Dom0Calls dom0;
    private Dom0Hypercalls ctl;
    private DomainSpec spec;

    @Setup
    public void setUp() {
        host = Host.start(HostConfig.defaults().withMemory(512L << 20).withPcpus(2));
        guests = GuestClasses.directory();
        builder = new DomainBuilder(host.dom0());
        dom0 = new Dom0Calls(host.dom0());
        ctl = new Dom0Hypercalls(host.dom0());
        spec = DomainSpec.of(FirstInstruction.class.getName(), 1024, 1).withClassPath(guests.toString());
    }

    @TearDown
    public void tearDown() {
        dom0.close();
        ctl.close();
        host.close();
        GuestClasses.delete(guests);
    }

    @Benchmark
    public int createToFirstHypercall() throws Exception {
        BuiltDomain d = builder.build(spec);
        int port = dom0.bindInterdomain(d.domid(), d.consolePort());
        while (!dom0.testAndClearPending(port)) {
            dom0.poll(port);
        }
        dom0.closePort(port);
        long rc = ctl.destroy(d.domid());
        if (rc != 0) {
            throw new IllegalStateException("destroydomain(" + d.domid() + ") = " + rc);
        }
        return d.domid();
    }

    @Benchmark
    public Thread createToFirstHypercallBaseline() throws InterruptedException {
        Thread t = new Thread(() -> { }, "vcpu-floor");
        t.start();
        t.join();
        return t;
    }
}
