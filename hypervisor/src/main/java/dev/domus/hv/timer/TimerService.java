package dev.domus.hv.timer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * One-shot timers on an Agrona {@link DeadlineTimerWheel}, in host system time (nanoseconds
 * since the host booted). One thread owns the wheel's expiry; scheduling and cancelling
 * happen under this object's lock and unpark that thread when an earlier deadline arrives.
 * Used for {@code set_timer_op} / {@code VCPUOP_set_singleshot_timer} (raising
 * {@code VIRQ_TIMER}) and for {@code SCHEDOP_poll} timeouts.
 *
 * <p>Handles are this service's own, never reused. The wheel's timer ids name a slot and are
 * handed out again once the slot is free, so a late {@link #cancel} by the owner of a timer
 * that already fired would cancel whoever got the slot next: a vCPU then slept with no
 * timer left to wake it.
 */
public final class TimerService implements AutoCloseable {

    /** What runs when a timer expires, on the timer thread; must not block. */
    @FunctionalInterface
    public interface Expiry {
        void expired(long now);
    }

    /** 2^20 ns (about 1 ms) ticks: Xen's timer slop is of the same order. */
    private static final long TICK_NS = 1L << 20;

    private final long bootNanos;
    private final DeadlineTimerWheel wheel =
        new DeadlineTimerWheel(TimeUnit.NANOSECONDS, 0, TICK_NS, 512);
    /** Handle -> what to run. */
    private final Long2ObjectHashMap<Expiry> actions = new Long2ObjectHashMap<>();
    /** Handle -> wheel id, and back. */
    private final Long2LongHashMap wheelIdOf = new Long2LongHashMap(-1);
    private final Long2LongHashMap handleOf = new Long2LongHashMap(-1);
    private long nextHandle;
    private final Thread thread;
    private volatile boolean closed;

    public TimerService(long bootNanos) {
        this.bootNanos = bootNanos;
        this.thread = new Thread(this::run, "domus-timers");
        thread.setDaemon(true);
        thread.start();
    }

    /** Host system time: nanoseconds since boot (what shared_info's system_time counts). */
    public long now() {
        return System.nanoTime() - bootNanos;
    }

    /** Schedules {@code action} at system time {@code deadline}; returns a handle for {@link #cancel}. */
    public synchronized long schedule(long deadline, Expiry action) {
        long id = wheel.scheduleTimer(Math.max(deadline, 0));
        long handle = nextHandle++;
        actions.put(handle, action);
        wheelIdOf.put(handle, id);
        handleOf.put(id, handle);
        LockSupport.unpark(thread);
        return handle;
    }

    /** Cancels a timer; false if it already fired or was cancelled. */
    public synchronized boolean cancel(long handle) {
        if (actions.remove(handle) == null) {
            return false;
        }
        long id = wheelIdOf.remove(handle);
        handleOf.remove(id);
        return wheel.cancelTimer(id);
    }

    public synchronized int pending() {
        return actions.size();
    }

    private final java.util.ArrayList<Expiry> due = new java.util.ArrayList<>();
    private final DeadlineTimerWheel.TimerHandler handler = (unit, t, id) -> {
        long handle = handleOf.remove(id);
        if (handle >= 0) {
            wheelIdOf.remove(handle);
            Expiry e = actions.remove(handle);
            if (e != null) {
                due.add(e);
            }
        }
        return true;
    };

    private void run() {
        while (!closed) {
            synchronized (this) {
                long now = now();
                // DeadlineTimerWheel.poll advances the wheel by at most one tick per call, so
                // after an idle park (or a late wake-up) it must be polled until it has caught
                // up with now; polling once per tick let the wheel fall seconds behind, and a
                // guest's 1 ms sleep then took as long as the host had been idle.
                do {
                    wheel.poll(now, handler, Integer.MAX_VALUE);
                } while (wheel.currentTickTime() <= now);
            }
            for (int i = 0; i < due.size(); i++) {
                try {
                    due.get(i).expired(now());
                } catch (RuntimeException e) {
                    // An expiry must not stop the host's timers.
                }
            }
            due.clear();
            // Whether to sleep is decided only now, after the expiries: they take locks, and a
            // contended lock parks this thread, which can use up the unpark a concurrent
            // schedule() gave. Deciding before them let the thread park for good with timers
            // pending (a guest then slept in SCHEDOP_poll forever).
            boolean any;
            synchronized (this) {
                any = !actions.isEmpty();
            }
            if (any) {
                LockSupport.parkNanos(this, TICK_NS);
            } else {
                LockSupport.park(this);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
