package dev.domus.hv.sched;

import dev.domus.sched.SchedDecision;
import dev.domus.sched.SchedParams;
import dev.domus.sched.SchedulingPolicy;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * The host's pCPUs as run tokens (DESIGN.md, machine model). Only a unit holding a token
 * runs guest code; a {@link SchedulingPolicy} decides who gets each token.
 *
 * <p>Protocol. A unit's own thread calls {@link #start}, then {@link #awaitToken}. While it
 * holds a token it calls {@link #reschedule} at safepoints when its safepoint flag is set
 * (slice ended, tickled, paused, blocked) and {@link #exit} when its thread ends. Any
 * thread calls {@link #update} after changing what {@link RunnableUnit#wantsToRun} returns
 * (a wake-up, pause, unpause, kill). The token hand-off is direct: the releasing thread
 * asks the policy, marks the next unit as holding the token and unparks its thread, which
 * was parked in {@code awaitToken}; no pCPU thread sits in between.
 *
 * <p>Time is measured with {@link System#nanoTime()} and the nanoseconds a unit actually
 * held a token are charged to it and reported to the policy. A ticker thread sets the
 * running unit's safepoint flag when its slice ends; the unit yields at its next safepoint.
 *
 * <p>All policy calls happen under one lock, as {@link SchedulingPolicy} requires. The lock
 * is held for a policy decision and a few field writes, never while parking.
 */
public final class RunTokens implements AutoCloseable {

    private final SchedulingPolicy policy;
    private final int pcpus;
    private final ReentrantLock lock = new ReentrantLock();
    private final RunnableUnit[] running;
    private final long[] sliceStart;
    private final long[] sliceEnd;
    private final SchedDecision[] decisions;
    private final Int2ObjectHashMap<RunnableUnit> units = new Int2ObjectHashMap<>();
    private final Thread ticker;
    private volatile long tickerWakeAt = Long.MAX_VALUE;
    private volatile boolean closed;

    public RunTokens(SchedulingPolicy policy, int pcpus) {
        if (pcpus < 1) {
            throw new IllegalArgumentException("pcpus must be >= 1, was " + pcpus);
        }
        this.policy = policy;
        this.pcpus = pcpus;
        this.running = new RunnableUnit[pcpus];
        this.sliceStart = new long[pcpus];
        this.sliceEnd = new long[pcpus];
        this.decisions = new SchedDecision[pcpus];
        for (int p = 0; p < pcpus; p++) {
            decisions[p] = new SchedDecision();
            sliceEnd[p] = Long.MAX_VALUE;
        }
        this.ticker = new Thread(this::tick, "domus-slice-ticker");
        ticker.setDaemon(true);
        ticker.start();
    }

    public int pcpus() {
        return pcpus;
    }

    public String policyName() {
        return policy.name();
    }

    /** Registers a unit with the policy; it stays offline until {@link #start}. */
    public void insert(RunnableUnit u) {
        lock.lock();
        try {
            units.put(u.unit.id(), u);
            policy.insertUnit(u.unit);
        } finally {
            lock.unlock();
        }
    }

    /** Removes a unit that never ran or already exited; a no-op if it is not registered. */
    public void remove(RunnableUnit u) {
        lock.lock();
        try {
            if (units.get(u.unit.id()) != u || u.state != RunnableUnit.OFFLINE) {
                return;
            }
            policy.removeUnit(u.unit);
            units.remove(u.unit.id());
        } finally {
            lock.unlock();
        }
    }

    /** Called by the unit's own thread when it begins: it becomes runnable if it wants to run. */
    public void start(RunnableUnit u) {
        lock.lock();
        try {
            long now = System.nanoTime();
            if (u.state == RunnableUnit.OFFLINE) {
                u.enter(RunnableUnit.SLEEPING, now);
            }
            updateLocked(u, now);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Parks the calling unit's thread until it holds a token.
     *
     * @return true with a token; false if {@code wantsToRun} turned false for good (the unit
     *         was killed) while waiting, as told by {@code abandon}
     */
    public boolean awaitToken(RunnableUnit u, java.util.function.BooleanSupplier abandon) {
        while (u.pcpu < 0) {
            if (abandon.getAsBoolean()) {
                return false;
            }
            LockSupport.park(this);
        }
        u.tokenTaken(System.nanoTime());
        return true;
    }

    /** Re-evaluates a unit after its runnability changed (wake, pause, unpause, kill). */
    public void update(RunnableUnit u) {
        lock.lock();
        try {
            updateLocked(u, System.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called by a running unit's own thread at a safepoint: charges the time it ran, asks
     * the policy, and either keeps the token or hands it to the next unit.
     *
     * @param yield the unit yields (SCHEDOP_yield): it goes behind its peers
     * @return true if the unit still holds a token; otherwise call {@link #awaitToken}
     */
    public boolean reschedule(RunnableUnit self, boolean yield) {
        lock.lock();
        try {
            int p = self.pcpu;
            if (p < 0) {
                return false;
            }
            long now = System.nanoTime();
            boolean runnable = self.wantsToRun();
            if (yield && runnable) {
                policy.yield(self.unit.id(), now);
            }
            long ran = now - sliceStart[p];
            self.charge(ran);
            SchedDecision d = policy.schedule(p, now, self.unit.id(), ran, runnable, decisions[p]);
            sliceStart[p] = now;
            if (d.unit == self.unit.id() && runnable) {
                setSliceEnd(p, now + d.sliceNs);
                return true;
            }
            self.pcpu = -1;
            self.enter(runnable ? RunnableUnit.WAITING : RunnableUnit.SLEEPING, now);
            running[p] = null;
            grant(p, d.unit == self.unit.id() ? SchedDecision.IDLE : d.unit, d.sliceNs, now);
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Called by a unit's own thread as it ends: gives back any token and leaves the policy. */
    public void exit(RunnableUnit self) {
        lock.lock();
        try {
            long now = System.nanoTime();
            int p = self.pcpu;
            if (self.state == RunnableUnit.RUNNING && p >= 0) {
                long ran = now - sliceStart[p];
                self.charge(ran);
                SchedDecision d = policy.schedule(p, now, self.unit.id(), ran, false, decisions[p]);
                self.pcpu = -1;
                running[p] = null;
                grant(p, d.unit == self.unit.id() ? SchedDecision.IDLE : d.unit, d.sliceNs, now);
            } else if (self.state == RunnableUnit.WAITING) {
                policy.sleep(self.unit.id(), now);
            }
            self.enter(RunnableUnit.OFFLINE, now);
            policy.removeUnit(self.unit);
            units.remove(self.unit.id());
        } finally {
            lock.unlock();
        }
    }

    /** Sets a unit's policy parameters (domctl scheduler_op, vcpuaffinity). */
    public void adjust(RunnableUnit u, SchedParams params) {
        lock.lock();
        try {
            policy.adjust(u.unit.id(), params);
        } finally {
            lock.unlock();
        }
    }

    public SchedParams params(RunnableUnit u) {
        lock.lock();
        try {
            return policy.params(u.unit.id());
        } finally {
            lock.unlock();
        }
    }

    /** The unit's CPU time including the slice it is running now. */
    public long cpuTimeNs(RunnableUnit u) {
        lock.lock();
        try {
            long t = u.cpuTimeNs();
            int p = u.pcpu;
            if (u.state == RunnableUnit.RUNNING && p >= 0) {
                t += System.nanoTime() - sliceStart[p];
            }
            return t;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds the unit's nanoseconds in each Xen runstate (running, runnable, blocked, offline;
     * VCPUOP_get_runstate_info's {@code time[]}) up to now into {@code out}.
     */
    public void addRunstateTimes(RunnableUnit u, long[] out) {
        lock.lock();
        try {
            u.addRunstate(out, System.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    /** Adds the unit's wake-to-run latency histogram into {@code out} (see RunnableUnit.addWakeLatency). */
    public void addWakeLatency(RunnableUnit u, long[] out) {
        lock.lock();
        try {
            u.addWakeLatency(out);
        } finally {
            lock.unlock();
        }
    }

    /** The unit's Xen runstate now (RUNSTATE_*). */
    public int runstate(RunnableUnit u) {
        lock.lock();
        try {
            return u.runstate();
        } finally {
            lock.unlock();
        }
    }

    private void updateLocked(RunnableUnit u, long now) {
        boolean want = u.wantsToRun();
        switch (u.state) {
            case RunnableUnit.SLEEPING -> {
                if (want) {
                    u.enter(RunnableUnit.WAITING, now);
                    int p = policy.wake(u.unit.id(), now);
                    if (p >= 0 && p < pcpus) {
                        tickle(p, now);
                    }
                    fillIdle(now);
                } else {
                    u.enter(RunnableUnit.SLEEPING, now); // woken but still paused: blocked -> offline
                    LockSupport.unpark(u.thread());
                }
            }
            case RunnableUnit.WAITING -> {
                if (!want) {
                    policy.sleep(u.unit.id(), now);
                    u.enter(RunnableUnit.SLEEPING, now);
                    LockSupport.unpark(u.thread());
                }
            }
            case RunnableUnit.RUNNING -> {
                if (!want) {
                    u.requestSafepoint();
                }
            }
            default -> {
                // OFFLINE: not started or already gone.
            }
        }
    }

    private void tickle(int p, long now) {
        RunnableUnit r = running[p];
        if (r == null) {
            SchedDecision d = policy.schedule(p, now, SchedDecision.IDLE, 0, false, decisions[p]);
            grant(p, d.unit, d.sliceNs, now);
        } else {
            r.requestSafepoint();
        }
    }

    private void fillIdle(long now) {
        for (int p = 0; p < pcpus; p++) {
            if (running[p] == null) {
                SchedDecision d = policy.schedule(p, now, SchedDecision.IDLE, 0, false, decisions[p]);
                grant(p, d.unit, d.sliceNs, now);
            }
        }
    }

    private void grant(int p, int unitId, long sliceNs, long now) {
        RunnableUnit next = unitId == SchedDecision.IDLE ? null : units.get(unitId);
        if (next == null || next.state != RunnableUnit.WAITING) {
            running[p] = null;
            setSliceEnd(p, Long.MAX_VALUE);
            return;
        }
        running[p] = next;
        next.enter(RunnableUnit.RUNNING, now);
        sliceStart[p] = now;
        setSliceEnd(p, now + Math.max(sliceNs, 1));
        next.pcpu = p;
        LockSupport.unpark(next.thread());
    }

    private void setSliceEnd(int p, long end) {
        sliceEnd[p] = end;
        if (end < tickerWakeAt) {
            LockSupport.unpark(ticker);
        }
    }

    private void tick() {
        while (!closed) {
            long next = Long.MAX_VALUE;
            lock.lock();
            try {
                long now = System.nanoTime();
                for (int p = 0; p < pcpus; p++) {
                    RunnableUnit r = running[p];
                    if (r == null) {
                        continue;
                    }
                    if (sliceEnd[p] <= now) {
                        r.requestSafepoint();
                        // Ask once per slice; the unit's reschedule sets a new end.
                        sliceEnd[p] = Long.MAX_VALUE;
                    } else {
                        next = Math.min(next, sliceEnd[p]);
                    }
                }
                tickerWakeAt = next;
            } finally {
                lock.unlock();
            }
            if (next == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, next - System.nanoTime());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(ticker);
        try {
            ticker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
