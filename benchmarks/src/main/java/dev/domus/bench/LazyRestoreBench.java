package dev.domus.bench;

import dev.domus.dom0.save.DomainLoader;
import dev.domus.dom0.save.ImageReader;
import dev.domus.dom0.save.LazyRestore;
import dev.domus.dom0.save.PageIndex;
import dev.domus.dom0.save.SavedDomainInfo;
import dev.domus.dom0.save.SavedImage;
import dev.domus.dom0.toolstack.Dom0Hypercalls;
import dev.domus.dom0.xenstore.ring.Dom0Calls;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Restore of a saved domain (default 1 GiB, every page distinct non-zero data) to its first
 * guest instruction: {@code lazy} is {@code domus restore --lazy}'s path (index the image's
 * record headers, build without RAM, mark every page paged with Dom0 holding it through the
 * paging ring, unpause); {@code eager}, in the same run, is the plain restore (check the whole
 * image, build, load every page, unpause). Both end when the guest's first act, an event on its
 * console channel, reaches Dom0. Issue 9's target: lazy &lt;= 10 ms (Firecracker's snapshot
 * resume: &lt; 8 ms). The toolstack's own bookkeeping (xenstore, consoles) is not included.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
public class LazyRestoreBench {

    @Param({"1024"})
    public int guestMib;

    private Host host;
    private Path guests;
    private Path dir;
    private Path image;
    private SavedDomainInfo info;
    private DomainSpec spec;
    private Dom0Calls evt;
    private Dom0Hypercalls ctl;
    private int domid = -1;
    private LazyRestore lazy;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        host = Host.start(HostConfig.defaults().withMemory((2L * guestMib + 256) << 20).withPcpus(2));
        guests = GuestClasses.directory();
        dir = Files.createTempDirectory("domus-bench-lazy");
        spec = FilledImage.spec(guests, guestMib);
        BuiltDomain source = new DomainBuilder(host.dom0()).build(spec);
        info = FilledImage.info(source, guests, guestMib);
        FilledImage.fill(host.dom0(), source.domid(), info);
        image = dir.resolve("image");
        FilledImage.save(host.dom0(), source.domid(), info, image);
        evt = new Dom0Calls(host.dom0());
        ctl = new Dom0Hypercalls(host.dom0());
        ctl.destroy(source.domid()); // room for the restored copy
        spec = spec.withCmdline("");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        evt.close();
        ctl.close();
        host.close();
        Files.deleteIfExists(image);
        Files.deleteIfExists(dir);
        GuestClasses.delete(guests);
    }

    /** Destroys the restored domain (and stops a lazy restore's threads) outside the timing. */
    @TearDown(Level.Invocation)
    public void destroyRestored() throws InterruptedException {
        if (lazy != null) {
            lazy.close();
        }
        if (domid >= 0) {
            ctl.destroy(domid);
            domid = -1;
        }
        if (lazy != null) {
            lazy.awaitThreads(30, TimeUnit.SECONDS);
            lazy = null;
        }
    }

    /** Unpauses the built domain and waits until its first act (an event on its console channel) reaches Dom0. */
    private void runToFirstInstruction(BuiltDomain d) {
        int port = evt.bindInterdomain(d.domid(), d.consolePort());
        ctl.unpause(d.domid());
        while (!evt.testAndClearPending(port)) {
            evt.poll(port);
        }
        evt.closePort(port);
    }

    @Benchmark
    public int lazy() throws Exception {
        long t0 = System.nanoTime();
        PageIndex index = new PageIndex();
        SavedImage img = ImageReader.index(image, index);
        long t1 = System.nanoTime();
        BuiltDomain d = new DomainBuilder(host.dom0()).buildWithoutRam(spec);
        domid = d.domid();
        long t2 = System.nanoTime();
        lazy = LazyRestore.prepare(host.dom0(), d.domid(), image, index, img.info());
        long t3 = System.nanoTime();
        lazy.start(t0, new LazyRestore.Listener() {
            @Override
            public void loaded(LazyRestore r) {
            }

            @Override
            public void failed(LazyRestore r, String cause) {
                System.err.println("lazy restore failed: " + cause);
            }
        });
        runToFirstInstruction(d);
        long t4 = System.nanoTime();
        // Where the time goes (printed per invocation, outside JMH's score).
        System.out.printf("lazy phases: index %.1f ms, build without RAM %.1f ms, paging ring + mark paged %.1f ms, "
                + "unpause to first guest act %.1f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6);
        return d.domid();
    }

    @Benchmark
    public int eager() throws Exception {
        ImageReader.verify(image);
        BuiltDomain d = new DomainBuilder(host.dom0()).build(spec);
        domid = d.domid();
        new DomainLoader(host.dom0()).load(image, d.domid(), info);
        runToFirstInstruction(d);
        return d.domid();
    }
}
