package dev.domus.bench;

import dev.domus.bench.guest.EventEcho;
import dev.domus.dom0.toolstack.Dom0Hypercalls;
import dev.domus.dom0.xenstore.ring.Dom0Calls;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;

/**
 * What the host spends per domain beyond the guest's own memory, for an idle guest (EventEcho,
 * one vCPU, blocked waiting for an event): Java heap (live, after full collections), machine
 * frames beyond the guest's reservation (shared_info, grant frames and such), and threads.
 * Not a JMH benchmark (it measures space, not time): {@code bin/domus-bench --footprint}
 * runs it. Anchor: Firecracker's &lt;= 5 MiB per microVM; the target is &lt;= 1 MiB.
 *
 * <pre>java [jvm-flags] -cp benchmarks.jar dev.domus.bench.DomainFootprint [domains]</pre>
 */
public final class DomainFootprint {

    private static final long GUEST_KB = 4096;

    private DomainFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
        Path guests = GuestClasses.directory();
        try (Host host = Host.start(HostConfig.defaults().withMemory(1L << 30).withPcpus(2));
             Dom0Calls dom0 = new Dom0Calls(host.dom0());
             Dom0Hypercalls ctl = new Dom0Hypercalls(host.dom0())) {
            DomainBuilder builder = new DomainBuilder(host.dom0());
            DomainSpec spec = DomainSpec.of(EventEcho.class.getName(), GUEST_KB, 1)
                .withClassPath(guests.toString()).withCmdline("xenstore=off");
            // One domain first, so class loading and JIT warm-up are not charged to the n.
            up(dom0, builder.build(spec));
            long heap0 = liveHeap(heap);
            long free0 = ctl.physinfo()[2];
            int threads0 = Thread.activeCount();
            long guestPages = 0;
            for (int i = 0; i < n; i++) {
                BuiltDomain d = builder.build(spec);
                guestPages += d.nrPages();
                up(dom0, d);
            }
            long heapPer = (liveHeap(heap) - heap0) / n;
            long framesPer = (free0 - ctl.physinfo()[2] - guestPages) / n;
            double threadsPer = (Thread.activeCount() - threads0) / (double) n;
            System.out.printf("domains: %d idle guests of %d KiB, 1 vCPU each%n", n, GUEST_KB);
            System.out.printf("per domain: Java heap %d KiB, machine frames beyond the reservation %d KiB,"
                + " threads %.1f (each with its own stack)%n", heapPer >> 10, framesPer * 4, threadsPer);
            System.out.printf("host overhead per domain (heap + frames): %d KiB (target <= 1024 KiB)%n",
                (heapPer >> 10) + framesPer * 4);
        } finally {
            GuestClasses.delete(guests);
        }
    }

    /** Waits until the guest echoes an event: it is built, running and idle again. */
    private static void up(Dom0Calls dom0, BuiltDomain d) {
        int port = dom0.bindInterdomain(d.domid(), d.consolePort());
        dom0.send(port);
        while (!dom0.testAndClearPending(port)) {
            dom0.poll(port);
        }
    }

    private static long liveHeap(MemoryMXBean heap) throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100); // let reference processing and cleaners run (a measurement, not a test)
            best = Math.min(best, heap.getHeapMemoryUsage().getUsed());
        }
        return best;
    }
}
