package dev.domus.bench;

import dev.domus.hv.boot.Dom0;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** A real host (256 MiB, one pCPU) for the length of a trial; benchmarks call in as Dom0. */
@State(Scope.Benchmark)
public class HostState {

    public Host host;
    public Dom0 dom0;

    @Setup
    public void boot() {
        host = Host.start(HostConfig.defaults().withMemory(256L << 20).withPcpus(1));
        dom0 = host.dom0();
    }

    @TearDown
    public void shutdown() {
        host.close();
    }
}
