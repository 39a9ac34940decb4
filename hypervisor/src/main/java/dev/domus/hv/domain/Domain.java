package dev.domus.hv.domain;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.hv.console.ConsoleRing;
import dev.domus.hv.evtchn.EventChannels;
import dev.domus.hv.evtchn.SharedInfoLayout;
import dev.domus.hv.hypercall.CounterRegistry;
import dev.domus.hv.loader.HeapQuota;
import dev.domus.hv.sched.RunTokens;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A domain: its id, state, vCPUs, memory, event channels and console ring. Created by
 * {@link DomainTable#create}, destroyed by {@link #destroy}; nothing of it outlives that
 * (its vCPU threads end, its frames go back, its gate answers {@code -XEN_ESRCH}).
 *
 * <p>Life: {@code CREATED} (no vCPU thread yet; the toolstack sets limits, memory and the
 * kernel) → first unpause starts the vCPUs → {@code RUNNING} (pause counts stop it at the
 * next safepoint) → {@code SHUTDOWN} with a reason (vCPUs stop; {@code resumedomain} can
 * bring back a suspended domain) → {@code DYING} on destroy.
 */
public final class Domain implements EventChannels.Notifier {

    /** Default number of event channel ports a domain gets (Xen's 2-level limit is 4096). */
    public static final int DEFAULT_MAX_PORTS = 1024;

    /** Java heap quota of a domain whose toolstack sets none (the config's {@code java_heap}). */
    public static final long DEFAULT_JAVA_HEAP = 256L << 20;

    /** vcpu_time_info's TSC scale: with shift 1, a multiplier of 2^31 maps one TSC tick to 1 ns. */
    static final int TSC_TO_SYSTEM_MUL = 0x8000_0000;
    static final int TSC_SHIFT = 1;

    private final DomainTable table;
    private final int domid;
    private final boolean privileged;
    private final Physmap physmap;
    private final RunTokens tokens;
    private final ConsoleRing console = new ConsoleRing(1 << 14);
    private final AtomicInteger pauseCount = new AtomicInteger();
    private final Object eventMonitor = new Object();
    private final byte[] handle = new byte[16];
    private volatile int eventSeq;
    private volatile int foreignWaiters;
    private volatile DomainState state = DomainState.CREATED;
    private volatile int shutdownReason = -1;
    private volatile String crashMessage;
    private volatile Vcpu[] vcpus = new Vcpu[0];
    private volatile EventChannels events;
    private volatile int maxPorts = DEFAULT_MAX_PORTS;
    private volatile GuestKernel kernel;
    private volatile String kernelName;
    private volatile long startInfoAddress = -1;
    private volatile long sharedInfoAddress = -1;
    private volatile boolean resumedBoot;
    private volatile HypercallGate gate;
    private volatile int ssidref;
    private final List<Runnable> destroyHooks = new ArrayList<>();
    private final List<VcpuThread> threads = new ArrayList<>();
    private volatile long retiredCpuTime;
    private volatile HeapQuota heapQuota = new HeapQuota(DEFAULT_JAVA_HEAP);
    private final CounterRegistry counters = new CounterRegistry();

    Domain(DomainTable table, int domid, Physmap physmap, RunTokens tokens) {
        this.table = table;
        this.domid = domid;
        this.privileged = domid == 0;
        this.physmap = physmap;
        this.tokens = tokens;
        this.events = new EventChannels(this, maxPorts);
    }

    @Override
    public int domid() {
        return domid;
    }

    public boolean isPrivileged() {
        return privileged;
    }

    public DomainState state() {
        return state;
    }

    public int shutdownReason() {
        return shutdownReason;
    }

    public String crashMessage() {
        return crashMessage;
    }

    public Physmap physmap() {
        return physmap;
    }

    public EventChannels events() {
        return events;
    }

    public ConsoleRing console() {
        return console;
    }

    public HypercallGate gate() {
        return gate;
    }

    /** Hands the domain its one gate (at creation, by the hypervisor); never replaced. */
    public synchronized void attachGate(HypercallGate g) {
        if (gate != null) {
            throw new IllegalStateException("d" + domid + " already has a gate");
        }
        this.gate = g;
    }

    public int pauseCount() {
        return pauseCount.get();
    }

    public byte[] handle() {
        return handle.clone();
    }

    public synchronized void handle(byte[] h) {
        System.arraycopy(h, 0, handle, 0, Math.min(16, h.length));
    }

    public int ssidref() {
        return ssidref;
    }

    public void ssidref(int s) {
        this.ssidref = s;
    }

    /** The domain's Java heap quota, shared by its vCPU threads' instrumentation. */
    public HeapQuota heapQuota() {
        return heapQuota;
    }

    /** Sets the Java heap quota (bytes); only before the domain first runs. */
    public synchronized int setJavaHeap(long bytes) {
        if (bytes <= 0) {
            return -dev.domus.abi.XenErrno.XEN_EINVAL;
        }
        if (state != DomainState.CREATED) {
            return -dev.domus.abi.XenErrno.XEN_EBUSY;
        }
        heapQuota = new HeapQuota(bytes);
        return 0;
    }

    public String kernelName() {
        return kernelName;
    }

    public boolean isDying() {
        return state == DomainState.DYING;
    }

    /** Xen's "is alive": not yet destroyed. */
    public boolean isAlive() {
        return state != DomainState.DYING;
    }

    boolean allowsRunning() {
        return state == DomainState.RUNNING && pauseCount.get() == 0;
    }

    // ---- configuration before the first unpause ------------------------------------------

    /** XEN_DOMCTL_max_vcpus: fixes the vCPU count; only before the domain first runs. */
    public synchronized int setMaxVcpus(int n) {
        if (n < 1 || n > dev.domus.abi.SharedInfo.XEN_LEGACY_MAX_VCPUS) {
            return -dev.domus.abi.XenErrno.XEN_EINVAL;
        }
        if (state != DomainState.CREATED) {
            return -dev.domus.abi.XenErrno.XEN_EBUSY;
        }
        if (vcpus.length == n) {
            return 0;
        }
        for (Vcpu old : vcpus) {
            tokens.remove(old);
        }
        Vcpu[] v = new Vcpu[n];
        for (int i = 0; i < n; i++) {
            v[i] = new Vcpu(this, i, table.unitId(domid, i), tokens);
            if (!privileged) {
                tokens.insert(v[i]); // so scheduler parameters can be set before the first run
            }
        }
        vcpus = v;
        events = new EventChannels(this, maxPorts);
        return 0;
    }

    /** Sets the event-channel port limit (createdomain's max_evtchn_port + 1); before first run. */
    public synchronized int setMaxPorts(int ports) {
        if (ports < 2 || ports > dev.domus.abi.EventChannelOp.EVTCHN_2L_NR_CHANNELS) {
            return -dev.domus.abi.XenErrno.XEN_EINVAL;
        }
        if (state != DomainState.CREATED || events.portsInUse() > 0) {
            return -dev.domus.abi.XenErrno.XEN_EBUSY;
        }
        maxPorts = ports;
        events = new EventChannels(this, ports);
        return 0;
    }

    /**
     * Names the kernel (the Domus domctl extension): the instance to run and the guest
     * addresses of start_info and shared_info. Only before the domain first runs.
     */
    public synchronized int setKernel(GuestKernel k, String name, long startInfo, long sharedInfo, boolean resumed) {
        if (state != DomainState.CREATED) {
            return -dev.domus.abi.XenErrno.XEN_EBUSY;
        }
        this.kernel = k;
        this.kernelName = name;
        this.startInfoAddress = startInfo;
        this.sharedInfoAddress = sharedInfo;
        this.resumedBoot = resumed;
        return 0;
    }

    /**
     * Marks a domain whose threads are its own (Dom0) as running: it has vCPU state for
     * events (vcpu_info) but no vCPU threads for the scheduler.
     */
    public synchronized void runWithoutVcpuThreads() {
        if (state == DomainState.CREATED) {
            state = DomainState.RUNNING;
        }
    }

    /** Sets where shared_info lives without a kernel (Dom0, whose threads are its own). */
    public synchronized void setSharedInfo(long startInfo, long sharedInfo) {
        this.startInfoAddress = startInfo;
        this.sharedInfoAddress = sharedInfo;
    }

    public long startInfoAddress() {
        return startInfoAddress;
    }

    @Override
    public long sharedInfoAddress() {
        return sharedInfoAddress;
    }

    // ---- pause, unpause, shutdown ---------------------------------------------------------

    /** XEN_DOMCTL_unpausedomain: the first one starts the vCPUs. */
    public synchronized int unpause() {
        if (state == DomainState.DYING) {
            return -dev.domus.abi.XenErrno.XEN_ESRCH;
        }
        if (state == DomainState.CREATED) {
            if (pauseCount.get() > 0) {
                pauseCount.decrementAndGet();
                return 0;
            }
            return start();
        }
        if (pauseCount.updateAndGet(c -> c > 0 ? c - 1 : 0) == 0) {
            reevaluateAll();
        }
        return 0;
    }

    /** How long {@link #pause} waits for running vCPUs to reach a safepoint. */
    public static final long PAUSE_SYNC_NANOS = 2_000_000_000L;

    /**
     * XEN_DOMCTL_pausedomain: vCPUs stop at their next safepoint. Like Xen's
     * {@code domain_pause} (vcpu_sleep_sync), it returns once no vCPU of the domain runs,
     * unless called from one of them, or the wait exceeds {@link #PAUSE_SYNC_NANOS} (a vCPU
     * in uninstrumented code that makes no hypercall: it stops at its next safepoint).
     */
    public int pause() {
        if (state == DomainState.DYING) {
            return -dev.domus.abi.XenErrno.XEN_ESRCH;
        }
        pauseCount.incrementAndGet();
        reevaluateAll();
        if (!(Thread.currentThread() instanceof VcpuThread vt && vt.vcpu().domain() == this)) {
            long deadline = System.nanoTime() + PAUSE_SYNC_NANOS;
            while (anyRunning() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(50_000);
            }
        }
        return 0;
    }

    private int start() {
        if (kernel == null || vcpus.length == 0) {
            return -dev.domus.abi.XenErrno.XEN_EINVAL;
        }
        state = DomainState.RUNNING;
        ThreadGroup group = new ThreadGroup("domus-d" + domid);
        for (Vcpu v : vcpus) {
            VcpuContext ctx = new Context(v);
            VcpuThread t = new VcpuThread(v, kernel, ctx, group);
            threads.add(t);
        }
        for (VcpuThread t : threads) {
            t.start();
        }
        return 0;
    }

    /**
     * Shuts the domain down with {@code reason} (SHUTDOWN_*): the first reason wins; the
     * vCPUs stop at their next safepoint and Dom0 hears VIRQ_DOM_EXC.
     */
    public boolean shutdown(int reason) {
        synchronized (this) {
            if (state != DomainState.RUNNING) {
                return false;
            }
            shutdownReason = reason;
            state = DomainState.SHUTDOWN;
        }
        reevaluateAll();
        table.domainException(this);
        return true;
    }

    /** A guest exception escaped on {@code vcpu}: the domain crashes (SHUTDOWN_crash). */
    void crash(Vcpu vcpu, Throwable cause) {
        crashMessage = vcpu + ": " + cause;
        shutdown(SchedOp.SHUTDOWN_crash);
    }

    /** Crashes the domain from hypervisor code (e.g. a hostile ring). */
    public void crash(String why) {
        crashMessage = why;
        shutdown(SchedOp.SHUTDOWN_crash);
    }

    /** XEN_DOMCTL_resumedomain: a suspended domain runs again (its suspend was cancelled). */
    public int resumeFromSuspend() {
        synchronized (this) {
            if (state != DomainState.SHUTDOWN || shutdownReason != SchedOp.SHUTDOWN_suspend) {
                return -dev.domus.abi.XenErrno.XEN_EINVAL;
            }
            state = DomainState.RUNNING;
            shutdownReason = -1;
        }
        reevaluateAll();
        return 0;
    }

    private void reevaluateAll() {
        for (Vcpu v : vcpus) {
            v.reevaluate();
        }
    }

    /**
     * VCPUOP_up on vCPU {@code index} of this domain (the caller's own domain: the hypercall
     * names no domain, so no guest can reach another's vCPUs).
     *
     * @return 0; {@code -XEN_ENOENT} for no such vCPU; {@code -XEN_EINVAL} for a vCPU with no
     *         context to run (the domain has not started, or its thread ended), as Xen refuses
     *         to bring up a vCPU that was never initialised
     */
    public int vcpuUp(int index) {
        Vcpu v = vcpu(index);
        if (v == null) {
            return -dev.domus.abi.XenErrno.XEN_ENOENT;
        }
        synchronized (this) {
            if (!v.hasThread()) {
                return -dev.domus.abi.XenErrno.XEN_EINVAL;
            }
            v.bringUp();
        }
        return 0;
    }

    /**
     * VCPUOP_down on vCPU {@code index}. As in Xen, bringing down the last vCPU that is up
     * shuts the domain down (SHUTDOWN_poweroff) instead.
     *
     * @return 0, or {@code -XEN_ENOENT} for no such vCPU
     */
    public int vcpuDown(int index) {
        Vcpu v = vcpu(index);
        if (v == null) {
            return -dev.domus.abi.XenErrno.XEN_ENOENT;
        }
        boolean last;
        synchronized (this) {
            last = true;
            for (Vcpu other : vcpus) {
                if (other != v && other.isOnline()) {
                    last = false;
                    break;
                }
            }
            if (!last) {
                v.bringDown();
            }
        }
        if (last) {
            shutdown(SchedOp.SHUTDOWN_poweroff);
        }
        return 0;
    }

    void vcpuExited(Vcpu v) {
        retiredCpuTime += v.cpuTimeNs();
    }

    // ---- destruction ----------------------------------------------------------------------

    /** Runs {@code hook} when the domain is destroyed (timers, async rings, grant state). */
    public synchronized void onDestroy(Runnable hook) {
        destroyHooks.add(hook);
    }

    /**
     * Destroys the domain: vCPUs are killed at their next safepoint and their threads
     * joined (up to {@code joinMillis} each), then event channels, timers, rings and every
     * frame are released and the domid is freed.
     */
    public int destroy(long joinMillis) {
        List<VcpuThread> toJoin;
        List<Runnable> hooks;
        synchronized (this) {
            if (state == DomainState.DYING) {
                return -dev.domus.abi.XenErrno.XEN_ESRCH;
            }
            state = DomainState.DYING;
            toJoin = new ArrayList<>(threads);
            hooks = new ArrayList<>(destroyHooks);
        }
        for (Vcpu v : vcpus) {
            v.kill();
        }
        physmap.abortWaits(); // a vCPU waiting for the pager would otherwise outwait the join
        Thread self = Thread.currentThread();
        for (VcpuThread t : toJoin) {
            if (t == self) {
                continue;
            }
            try {
                t.join(joinMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Vcpu v : vcpus) {
            tokens.remove(v); // units that never ran (threads that ran removed their own)
        }
        heapQuota.release();
        for (Runnable hook : hooks) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                // One failing hook must not keep the rest of the domain alive.
            }
        }
        events.closeAll();
        physmap.destroy();
        table.remove(this);
        signalForeignWaiters();
        table.domainException(this); // Xen raises VIRQ_DOM_EXC on destruction too
        return 0;
    }

    /** True once every vCPU thread has ended. */
    public boolean threadsEnded() {
        synchronized (this) {
            for (VcpuThread t : threads) {
                if (t.isAlive()) {
                    return false;
                }
            }
            return true;
        }
    }

    // ---- vCPUs and events -----------------------------------------------------------------

    public int vcpuCount() {
        return vcpus.length;
    }

    public Vcpu vcpu(int i) {
        Vcpu[] v = vcpus;
        return i >= 0 && i < v.length ? v[i] : null;
    }

    /** The hypercall counters of every context that calls as this domain. */
    public CounterRegistry counters() {
        return counters;
    }

    /** Adds the vCPUs' nanoseconds in each Xen runstate (RUNSTATE_*), summed, into {@code out}. */
    public void addRunstateTimes(long[] out) {
        for (Vcpu v : vcpus) {
            v.addRunstateTimes(out);
        }
    }

    /**
     * The vCPUs' wake-to-run latency histogram, summed: index b is DomusStats bucket b, the
     * last index the sum of the latencies in ns.
     */
    public long[] wakeLatency() {
        long[] out = new long[dev.domus.abi.DomusStats.DOMUS_STATS_WAKE_LATENCY_MAX_LOG2 + 2];
        for (Vcpu v : vcpus) {
            v.addWakeLatency(out);
        }
        return out;
    }

    /** Sum of the vCPUs' token-holding time in nanoseconds. */
    public long cpuTime() {
        long t = 0;
        for (Vcpu v : vcpus) {
            t += v.isOnline() ? v.cpuTime() : v.cpuTimeNs();
        }
        return t;
    }

    /** Any vCPU running now (XEN_DOMINF_running)? */
    public boolean anyRunning() {
        for (Vcpu v : vcpus) {
            if (v.currentPcpu() >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Every online vCPU blocked (XEN_DOMINF_blocked)? */
    public boolean allBlocked() {
        boolean any = false;
        for (Vcpu v : vcpus) {
            if (v.isOnline()) {
                any = true;
                if (!v.isBlocked()) {
                    return false;
                }
            }
        }
        return any;
    }

    @Override
    public GuestMemory sharedMemory() {
        return physmap.memory();
    }

    @Override
    public void kick(int vcpu) {
        Vcpu v = vcpu(vcpu);
        if (v != null) {
            v.wake();
        }
        // SCHEDOP_poll on other vCPUs rechecks its ports on any event.
        for (Vcpu other : vcpus) {
            if (other != v && other.pollPorts != null) {
                other.wake();
            }
        }
        if (foreignWaiters > 0) {
            signalForeignWaiters();
        }
    }

    @Override
    public EventChannels peer(int otherDomid) {
        Domain d = table.get(otherDomid);
        return d == null ? null : d.events;
    }

    /** Raises a VIRQ on vCPU 0 (global VIRQs such as VIRQ_DOM_EXC go to vCPU 0, as on Xen). */
    public void raiseVirq(int virq) {
        events.raiseVirq(virq, 0);
    }

    /**
     * Writes the host's system time into this vCPU's {@code vcpu_time_info} in shared_info
     * (version odd while writing, even after, as Xen does). Called on the vCPU's own thread
     * whenever it is scheduled in, so a guest reads a time no older than its current slice;
     * {@code VCPUOP_get_runstate_info}'s {@code state_entry_time} gives the exact time.
     */
    void publishTime(int vcpu) {
        long si = sharedInfoAddress;
        if (si < 0) {
            return;
        }
        GuestMemory m = physmap.vcpuView(vcpu);
        long t = si + (long) vcpu * SharedInfoLayout.VCPU_INFO_SIZE + SharedInfoLayout.VCPU_TIME_OFFSET;
        try {
            int version = m.getIntVolatile(t);
            m.putIntVolatile(t, version + 1);
            long now = table.systemTime();
            // The TSC counts system-time nanoseconds, so the scale is one: (delta << 1) * 2^31 >> 32.
            m.putLong(t + SharedInfoLayout.TIME_TSC_TIMESTAMP_OFFSET, now);
            m.putLong(t + SharedInfoLayout.TIME_SYSTEM_TIME_OFFSET, now);
            m.putInt(t + SharedInfoLayout.TIME_TSC_TO_SYSTEM_MUL_OFFSET, TSC_TO_SYSTEM_MUL);
            m.putByte(t + SharedInfoLayout.TIME_TSC_SHIFT_OFFSET, (byte) TSC_SHIFT);
            m.putIntVolatile(t, version + 2);
        } catch (dev.domus.abi.GuestMemoryFault fault) {
            // The guest gave its shared_info page away; it gets no time.
        }
    }

    // ---- threads that are not vCPUs (Dom0's own) -----------------------------------------

    /**
     * Parks a non-vCPU thread of this domain (Dom0's) until an event is delivered to the
     * domain or {@code timeoutNanos} passes (0 = no limit), unless {@code ready} already
     * holds. Returns when ready or on timeout or domain death.
     */
    public void awaitEvent(java.util.function.BooleanSupplier ready, long timeoutNanos) {
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : Long.MAX_VALUE;
        synchronized (eventMonitor) {
            foreignWaiters++;
            try {
                while (!ready.getAsBoolean() && isAlive()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    long ms = Math.min(left / 1_000_000L, 60_000L);
                    int ns = (int) (Math.min(left, 60_000_000_000L) - ms * 1_000_000L);
                    try {
                        eventMonitor.wait(ms, Math.max(0, Math.min(ns, 999_999)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            } finally {
                foreignWaiters--;
            }
        }
    }

    private void signalForeignWaiters() {
        synchronized (eventMonitor) {
            eventSeq++;
            eventMonitor.notifyAll();
        }
    }

    @Override
    public String toString() {
        return "d" + domid + "[" + state + (shutdownReason >= 0 ? " reason " + shutdownReason : "")
            + ", pause " + pauseCount.get() + ", " + vcpus.length + " vcpus]";
    }

    /** The registers a vCPU finds at its entry point. */
    private final class Context implements VcpuContext {
        private final Vcpu vcpu;
        private final GuestMemory memory;

        Context(Vcpu vcpu) {
            this.vcpu = vcpu;
            this.memory = physmap.vcpuView(vcpu.index());
        }

        @Override
        public int vcpuId() {
            return vcpu.index();
        }

        @Override
        public int vcpuCount() {
            return vcpus.length;
        }

        @Override
        public HypercallGate gate() {
            return gate;
        }

        @Override
        public GuestMemory memory() {
            return memory;
        }

        @Override
        public long startInfoAddress() {
            return startInfoAddress;
        }

        @Override
        public boolean resumed() {
            return resumedBoot;
        }

        @Override
        public long readTsc() {
            return table.systemTime();
        }
    }

}
