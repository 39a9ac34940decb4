package dev.domus.dom0.xenstore.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.domus.abi.Domctl;
import dev.domus.abi.Hypercalls;
import dev.domus.dom0.console.backend.ConsoleBackend;
import dev.domus.dom0.console.backend.ConsoleOutput;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.dom0.xenstore.XsPermission;
import dev.domus.dom0.xenstore.Xenstored;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.Dom0;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real host with Dom0's xenstored (serving guest rings) and console backend, for tests that
 * run real guests. Guests are built paused, given a home in xenstore as libxl does, connected,
 * then unpaused.
 */
public final class GuestHarness implements AutoCloseable {

    /** A guard against a hung test, not a timing assertion. */
    public static final long GUARD_SECONDS = 30;

    public final Host host;
    public final Dom0 dom0;
    public final Xenstored xenstored;
    public final ConsoleBackend consoles;
    public final XsClient tools;

    public GuestHarness(Path consoleLogDir) {
        host = Host.start(HostConfig.defaults().withMemory(64L << 20).withPcpus(1).withDom0Memory(8L << 20));
        dom0 = host.dom0();
        xenstored = new Xenstored();
        xenstored.ringAttacher(new XsRingAttacher(dom0));
        consoles = new ConsoleBackend(dom0, consoleLogDir);
        tools = XsClient.connect(xenstored, 0);
    }

    /** Builds, connects and starts a guest; Dom0 watches {@code watched} (relative to its home) first. */
    public BuiltDomain boot(Class<?> kernel, String name, String... watched) throws Exception {
        BuiltDomain d = new DomainBuilder(dom0).build(DomainSpec.of(kernel.getName(), 2048, 1).paused(true));
        String home = "/local/domain/" + d.domid();
        tools.mkdir(home);
        tools.setPerms(home, List.of(new XsPermission(d.domid(), 'n')));
        tools.write(home + "/name", name);
        xenstored.introduceDomain(d.domid(), d.storePfn(), d.storePort());
        consoles.attach(d.domid(), d.consolePfn(), d.consolePort());
        for (String w : watched) {
            tools.watch(home + "/" + w, w);
            awaitWatch(home + "/" + w); // the initial fire
        }
        unpause(d.domid());
        return d;
    }

    /** XEN_DOMCTL_unpausedomain through Dom0's gate. */
    public void unpause(int domid) {
        long s = dom0.pages().allocate(1);
        try {
            dom0.memory().setMemory(s, 256, (byte) 0);
            dom0.memory().putInt(s, Domctl.XEN_DOMCTL_unpausedomain);
            dom0.memory().putInt(s + 4, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
            dom0.memory().putShort(s + 8, (short) domid);
            assertEquals(0, dom0.gate().call(Hypercalls.__HYPERVISOR_domctl, s));
        } finally {
            dom0.pages().free(s, 1);
        }
    }

    /** Waits for a watch event on exactly {@code path}, skipping others. */
    public void awaitWatch(String path) throws InterruptedException {
        while (true) {
            XsClient.WatchFired e = tools.nextWatchEvent(GUARD_SECONDS, TimeUnit.SECONDS);
            assertNotNull(e, () -> "no watch event for " + path + "; " + diagnostics());
            if (e.path().equals(path)) {
                return;
            }
        }
    }

    /** Waits until the domain's console output contains {@code text}; returns all of it. */
    public String awaitConsole(int domid, String text) throws InterruptedException {
        ConsoleOutput out = consoles.output(domid);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (true) {
            String all = new String(out.snapshot(), StandardCharsets.UTF_8);
            if (all.contains(text) || System.nanoTime() > deadline) {
                return all;
            }
            out.awaitFrom(out.end(), 1000);
        }
    }

    /** What the guests did so far, for a failure message. */
    public String diagnostics() {
        StringBuilder b = new StringBuilder();
        for (String dom : tools.directory("/local/domain")) {
            String home = "/local/domain/" + dom;
            b.append(home).append(": ");
            try {
                b.append(tools.directory(home + "/data"));
            } catch (XsError e) {
                b.append("no data");
            }
            ConsoleOutput out = consoles.output(Integer.parseInt(dom));
            if (out != null) {
                b.append(" console=").append(new String(out.snapshot(), StandardCharsets.UTF_8).replace("\n", "|"));
            }
            b.append("; ");
        }
        return b.toString();
    }

    @Override
    public void close() {
        consoles.close();
        xenstored.close();
        host.close();
    }
}
