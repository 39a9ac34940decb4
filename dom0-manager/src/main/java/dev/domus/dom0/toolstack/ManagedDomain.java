package dev.domus.dom0.toolstack;

import dev.domus.dom0.config.DomainConfig;
import dev.domus.hv.boot.BuiltDomain;

/**
 * What the toolstack remembers about a domain it created: its config (for on_* restarts and
 * limits), what the builder returned, its vm uuid, and the last shutdown it reported.
 */
final class ManagedDomain {

    final DomainConfig config;
    final BuiltDomain built;
    final String uuid;
    /** SHUTDOWN_* reason already reported and acted on, or -1. */
    int handledShutdown = -1;
    /** When this incarnation was built, and how many restarts in a row came soon after building. */
    final long builtAtNanos = System.nanoTime();
    int quickRestarts;
    /** When the watcher shuts the domain down itself if the guest has not (0 = never), and why. */
    long forceShutdownAtNanos;
    int forceShutdownReason;
    /** vCPUs the operator set online with vcpu-set. */
    int vcpusOnline;

    ManagedDomain(DomainConfig config, BuiltDomain built, String uuid) {
        this.config = config;
        this.built = built;
        this.uuid = uuid;
        this.vcpusOnline = config.vcpus();
    }

    int domid() {
        return built.domid();
    }

    String name() {
        return config.name();
    }
}
