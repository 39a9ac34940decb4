package dev.domus.hv.async;

import dev.domus.abi.DomusAsync;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.hypercall.CallContext;
import dev.domus.hv.hypercall.Dispatcher;
import dev.domus.hv.hypercall.HypercallHandler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code __HYPERVISOR_domus_async_op(cmd, a1, a2, a3)}: the Domus asynchronous hypercall
 * rings (see {@link DomusAsync} for the protocol), with a small pool of drain threads shared
 * by the host. Each domain has up to {@link DomusAsync#DOMUS_ASYNC_MAX_RINGS} rings; they
 * are closed when it is destroyed, and requests not yet consumed then are never run.
 */
public final class AsyncRings implements HypercallHandler, AutoCloseable {

    private final Dispatcher dispatcher;
    private final ExecutorService drains;
    private final Map<Integer, AsyncRing[]> byDomain = new ConcurrentHashMap<>();

    public AsyncRings(Dispatcher dispatcher, int threads) {
        this.dispatcher = dispatcher;
        AtomicInteger n = new AtomicInteger();
        this.drains = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "domus-async-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public long handle(CallContext ctx, long cmd, long a1, long a2, long a3, long a5) {
        if (ctx.inAsync()) {
            return -XenErrno.XEN_EINVAL;
        }
        Domain d = ctx.domain();
        switch ((int) cmd) {
            case DomusAsync.DOMUS_ASYNC_register:
                return register(d, a1, a2, a3);
            case DomusAsync.DOMUS_ASYNC_unregister: {
                AsyncRing r = take(d, a1);
                if (r == null) {
                    return -XenErrno.XEN_EINVAL;
                }
                r.close();
                return 0;
            }
            case DomusAsync.DOMUS_ASYNC_notify: {
                AsyncRing r = ring(d, a1);
                if (r == null || r.isBroken()) {
                    return -XenErrno.XEN_EINVAL;
                }
                schedule(r);
                return 0;
            }
            default:
                return -XenErrno.XEN_ENOSYS;
        }
    }

    private long register(Domain d, long gpa, long pages, long port) {
        if ((gpa & (Xen.PAGE_SIZE - 1)) != 0 || gpa < 0 || pages < 1
            || pages > DomusAsync.DOMUS_ASYNC_MAX_RING_PAGES || Long.bitCount(pages) != 1
            || port <= 0 || port >= d.events().nrPorts()) {
            return -XenErrno.XEN_EINVAL;
        }
        int[] status = new int[4];
        if (d.events().status((int) port, status) < 0 || status[0] == EventChannelOp.EVTCHNSTAT_closed) {
            return -XenErrno.XEN_EINVAL;
        }
        // The ring must be the caller's own memory, every page of it.
        org.agrona.concurrent.UnsafeBuffer probe = new org.agrona.concurrent.UnsafeBuffer(new byte[1]);
        for (long p = 0; p < pages; p++) {
            if (d.physmap().copyFromGuest(gpa + p * Xen.PAGE_SIZE, probe, 0, 1) < 0) {
                return -XenErrno.XEN_EFAULT;
            }
        }
        AsyncRing[] rings = byDomain.computeIfAbsent(d.domid(), k -> {
            d.onDestroy(() -> closeAll(d));
            return new AsyncRing[DomusAsync.DOMUS_ASYNC_MAX_RINGS];
        });
        synchronized (rings) {
            for (int h = 0; h < rings.length; h++) {
                if (rings[h] == null) {
                    rings[h] = new AsyncRing(d, dispatcher, gpa, (int) pages, (int) port);
                    return h;
                }
            }
        }
        return -XenErrno.XEN_ENOSPC;
    }

    private AsyncRing ring(Domain d, long handle) {
        AsyncRing[] rings = byDomain.get(d.domid());
        if (rings == null || handle < 0 || handle >= rings.length) {
            return null;
        }
        synchronized (rings) {
            return rings[(int) handle];
        }
    }

    private AsyncRing take(Domain d, long handle) {
        AsyncRing[] rings = byDomain.get(d.domid());
        if (rings == null || handle < 0 || handle >= rings.length) {
            return null;
        }
        synchronized (rings) {
            AsyncRing r = rings[(int) handle];
            rings[(int) handle] = null;
            return r;
        }
    }

    private void schedule(AsyncRing r) {
        if (r.scheduled.compareAndSet(false, true)) {
            drains.execute(() -> {
                try {
                    r.drain();
                } finally {
                    r.scheduled.set(false);
                }
                // A request posted after the final check, whose notify found us still busy.
                if (r.hasPending()) {
                    schedule(r);
                }
            });
        }
    }

    /** Domain destruction: every ring stops; a request running finishes first. */
    private void closeAll(Domain d) {
        AsyncRing[] rings = byDomain.remove(d.domid());
        if (rings == null) {
            return;
        }
        synchronized (rings) {
            for (int h = 0; h < rings.length; h++) {
                if (rings[h] != null) {
                    rings[h].close();
                    rings[h] = null;
                }
            }
        }
    }

    @Override
    public void close() {
        drains.shutdownNow();
        try {
            drains.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
