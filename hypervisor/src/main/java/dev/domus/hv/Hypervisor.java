package dev.domus.hv;

import dev.domus.hv.async.AsyncRings;
import dev.domus.hv.console.ConsoleRing;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainTable;
import dev.domus.hv.domain.KernelLoader;
import dev.domus.hv.domain.PhysmapFactory;
import dev.domus.hv.domain.PlainKernelLoader;
import dev.domus.hv.hypercall.Dispatcher;
import dev.domus.hv.hypercall.DomainGate;
import dev.domus.hv.hypercall.Hypercall;
import dev.domus.hv.hypercall.VcpuTimers;
import dev.domus.hv.sched.RunTokens;
import dev.domus.hv.timer.TimerService;
import dev.domus.sched.SchedulingPolicy;

/**
 * The hypervisor's parts wired together: the domain table, the pCPU run tokens over a
 * scheduling policy, the timer wheel, the hypercall dispatcher with every handler, and the
 * host console ring. Package {@code boot} builds one per host; everything a domain can do
 * goes through {@link #dispatcher()} via its gate.
 */
public final class Hypervisor implements AutoCloseable {

    /** How long destroy waits for each vCPU thread to reach a safepoint and end. */
    public static final long DESTROY_JOIN_MILLIS = 5_000;

    /** Threads that drain async hypercall rings, shared by all domains. */
    public static final int ASYNC_DRAIN_THREADS = 2;

    private final long bootNanos = System.nanoTime();
    private final RunTokens tokens;
    private final TimerService timers;
    private final VcpuTimers vcpuTimers;
    private final DomainTable domains;
    private final Dispatcher dispatcher = new Dispatcher();
    private final ConsoleRing hostConsole = new ConsoleRing(1 << 16);
    private final PhysmapFactory memory;
    // Guest kernels are verified and instrumented (issue 7); PlainKernelLoader is for trusted code only.
    private volatile KernelLoader kernels = new dev.domus.hv.loader.VerifyingKernelLoader();
    private final AsyncRings asyncRings;

    public Hypervisor(PhysmapFactory memory, SchedulingPolicy policy, int pcpus) {
        this.memory = memory;
        this.tokens = new RunTokens(policy, pcpus);
        this.timers = new TimerService(bootNanos);
        this.vcpuTimers = new VcpuTimers(timers);
        this.domains = new DomainTable(tokens, memory);
        domains.clock(timers::now);
        this.asyncRings = new AsyncRings(dispatcher, ASYNC_DRAIN_THREADS);
        Hypercall.registerAll(this);
    }

    public DomainTable domains() {
        return domains;
    }

    public RunTokens tokens() {
        return tokens;
    }

    public TimerService timers() {
        return timers;
    }

    public VcpuTimers vcpuTimers() {
        return vcpuTimers;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public AsyncRings asyncRings() {
        return asyncRings;
    }

    public ConsoleRing hostConsole() {
        return hostConsole;
    }

    public PhysmapFactory memory() {
        return memory;
    }

    public KernelLoader kernels() {
        return kernels;
    }

    /** Replaces the kernel loader (the guest loader wires itself in here). */
    public void kernels(KernelLoader loader) {
        this.kernels = loader;
    }

    /** Host system time in ns since boot. */
    public long systemTime() {
        return System.nanoTime() - bootNanos;
    }

    /**
     * Creates a domain with its gate. {@code requestedDomid} 0 picks a free id for a domU.
     *
     * @return the new domain, or null if the id is taken or none is free
     */
    public Domain createDomain(int requestedDomid, boolean dom0, long maxPfn, long maxPages) {
        Domain d = domains.create(requestedDomid, dom0, maxPfn, maxPages);
        if (d == null) {
            return null;
        }
        d.attachGate(new DomainGate(d, dispatcher));
        d.onDestroy(() -> vcpuTimers.cancelAll(d));
        return d;
    }

    /** Destroys every domain (Dom0 last) and stops the hypervisor's threads. */
    @Override
    public void close() {
        shutdown();
    }

    /**
     * Destroys every domain (Dom0 last) and stops the hypervisor's threads.
     *
     * @return true if every vCPU thread ended; false if one is still inside guest code that
     *         reached no safepoint in time (machine memory must then not be freed under it)
     */
    public boolean shutdown() {
        java.util.List<Domain> all = domains.list();
        for (Domain d : all) {
            if (d.domid() != 0) {
                d.destroy(DESTROY_JOIN_MILLIS);
            }
        }
        Domain dom0 = domains.get(0);
        if (dom0 != null) {
            dom0.destroy(DESTROY_JOIN_MILLIS);
        }
        boolean ended = true;
        for (Domain d : all) {
            ended &= d.threadsEnded();
        }
        asyncRings.close();
        timers.close();
        tokens.close();
        return ended;
    }

}
