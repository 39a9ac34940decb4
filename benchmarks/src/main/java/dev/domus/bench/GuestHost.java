package dev.domus.bench;

import dev.domus.dom0.xenstore.ring.Dom0Calls;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;
import java.nio.file.Path;

/**
 * A one-pCPU host (256 MiB) running one benchmark guest with xenstore off, its console event
 * channel bound by Dom0: the benchmarks that kick a guest and wait for its answer share this
 * setup. {@link #dom0} and {@link #port} are what a benchmark body uses.
 */
final class GuestHost implements AutoCloseable {

    final Host host;
    final Path guests;
    final Dom0Calls dom0;
    final int port;

    private GuestHost(Host host, Path guests, Dom0Calls dom0, int port) {
        this.host = host;
        this.guests = guests;
        this.dom0 = dom0;
        this.port = port;
    }

    /**
     * Starts the host and builds the guest.
     *
     * @param kernel the guest's class (in package {@code dev.domus.bench.guest})
     * @param vcpus its vCPU count
     * @param args its command line after {@code xenstore=off} (may be empty)
     */
    static GuestHost start(Class<?> kernel, int vcpus, String args) throws Exception {
        Host host = Host.start(HostConfig.defaults().withMemory(256L << 20).withPcpus(1));
        Path guests = GuestClasses.directory();
        String cmdline = args.isEmpty() ? "xenstore=off" : "xenstore=off " + args;
        BuiltDomain d = new DomainBuilder(host.dom0()).build(DomainSpec.of(kernel.getName(), 4096, vcpus)
            .withClassPath(guests.toString()).withCmdline(cmdline));
        Dom0Calls dom0 = new Dom0Calls(host.dom0());
        return new GuestHost(host, guests, dom0, dom0.bindInterdomain(d.domid(), d.consolePort()));
    }

    @Override
    public void close() {
        dom0.close();
        host.close();
        GuestClasses.delete(guests);
    }
}
