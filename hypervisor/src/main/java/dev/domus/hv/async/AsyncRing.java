package dev.domus.hv.async;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.DomusAsync;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.GuestMemoryFault;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.hypercall.CallContext;
import dev.domus.hv.hypercall.Dispatcher;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One registered async hypercall ring: the hypervisor's back end of an {@code io/ring.h}
 * ring in the guest's memory (protocol in {@link DomusAsync}).
 *
 * <p>The back end's private indexes ({@code req_cons}, {@code rsp_prod_pvt}) live here. A
 * drain pass consumes requests in order, copies each 64-byte slot once into a hypervisor
 * buffer, runs it through the dispatcher as the ring's domain (no vCPU; sched_op and the
 * async op itself are refused with {@code -XEN_EINVAL}), writes the response into the same
 * slot (io/ring.h slots are a request/response union), publishes {@code rsp_prod} and
 * raises the ring's port when {@code rsp_event} asks for it. It then sets
 * {@code req_event = req_cons + 1} and looks once more for requests
 * ({@code RING_FINAL_CHECK_FOR_REQUESTS}), so a busy ring needs no notify per request.
 *
 * <p>At most one drain pass runs per ring at a time ({@link #scheduled}), so responses come
 * in request order. A pass holds {@link #runLock} while it runs a request; closing the ring
 * (unregister, domain destruction) takes that lock, so no request runs after
 * {@link #close()} returns.
 */
public final class AsyncRing {

    static final int HEADER = 64;
    static final int REQ_PROD = 0;
    static final int REQ_EVENT = 4;
    static final int RSP_PROD = 8;
    static final int RSP_EVENT = 12;
    static final int SLOT = DomusAsync.DOMUS_ASYNC_SLOT_SIZE;

    private final Domain domain;
    private final Dispatcher dispatcher;
    private final long base;
    private final int size;
    private final int port;
    private final CallContext ctx;
    private final UnsafeBuffer request = new UnsafeBuffer(new byte[SLOT]);
    private final Object runLock = new Object();
    final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile int reqCons;
    private int rspProdPvt;
    private volatile boolean closed;
    private volatile boolean broken;
    private long served;

    AsyncRing(Domain domain, Dispatcher dispatcher, long base, int pages, int port) {
        this.domain = domain;
        this.dispatcher = dispatcher;
        this.base = base;
        this.size = ringSize(pages);
        this.port = port;
        this.ctx = CallContext.forAsync(domain);
    }

    /** io/ring.h {@code __RING_SIZE} for 64-byte slots in {@code pages} pages. */
    static int ringSize(int pages) {
        int slots = (pages * 4096 - HEADER) / SLOT;
        return Integer.highestOneBit(slots);
    }

    public int size() {
        return size;
    }

    public boolean isBroken() {
        return broken;
    }

    public long served() {
        return served;
    }

    /**
     * One drain pass (on a drain thread). Returns true if requests may be left (the caller
     * schedules another pass).
     */
    boolean drain() {
        GuestMemory mem = domain.physmap().memory();
        try {
            while (!closed) {
                int prod = mem.getIntVolatile(base + REQ_PROD);
                int pending = prod - reqCons;
                if (pending < 0 || pending > size) {
                    broken = true; // more requests claimed than the ring holds: hostile
                    return false;
                }
                if (pending == 0) {
                    // RING_FINAL_CHECK_FOR_REQUESTS
                    mem.putIntVolatile(base + REQ_EVENT, reqCons + 1);
                    if (mem.getIntVolatile(base + REQ_PROD) == reqCons) {
                        return false;
                    }
                    continue;
                }
                int oldRsp = rspProdPvt;
                // Consume what is there now; responses go out in one batch.
                for (int i = 0; i < pending && !closed; i++) {
                    runOne(mem);
                }
                pushResponses(mem, oldRsp);
            }
        } catch (GuestMemoryFault fault) {
            broken = true; // the guest gave the ring's page away
        }
        return false;
    }

    private void runOne(GuestMemory mem) {
        long slot = base + HEADER + (long) (reqCons & (size - 1)) * SLOT;
        long result;
        long id;
        synchronized (runLock) {
            if (closed || !domain.isAlive()) {
                return;
            }
            if (domain.physmap().copyFromGuest(slot, request, 0, SLOT) < 0) {
                broken = true;
                closed = true;
                return;
            }
            id = request.getLong(0, LITTLE_ENDIAN);
            int op = request.getInt(8, LITTLE_ENDIAN);
            if (op == Hypercalls.__HYPERVISOR_domus_async_op || op == Hypercalls.__HYPERVISOR_sched_op) {
                result = -XenErrno.XEN_EINVAL;
            } else {
                result = dispatcher.dispatch(ctx, op,
                    request.getLong(16, LITTLE_ENDIAN), request.getLong(24, LITTLE_ENDIAN),
                    request.getLong(32, LITTLE_ENDIAN), request.getLong(40, LITTLE_ENDIAN),
                    request.getLong(48, LITTLE_ENDIAN));
            }
            served++;
        }
        reqCons++;
        long rslot = base + HEADER + (long) (rspProdPvt & (size - 1)) * SLOT;
        request.setMemory(0, SLOT, (byte) 0);
        request.putLong(0, id, LITTLE_ENDIAN);
        request.putLong(8, result, LITTLE_ENDIAN);
        domain.physmap().copyToGuest(rslot, request, 0, SLOT);
        rspProdPvt++;
    }

    /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, then the event if the guest asked for one. */
    private void pushResponses(GuestMemory mem, int oldRsp) {
        int newRsp = rspProdPvt;
        if (newRsp == oldRsp) {
            return;
        }
        mem.putIntVolatile(base + RSP_PROD, newRsp); // a full fence before reading rsp_event
        int rspEvent = mem.getIntVolatile(base + RSP_EVENT);
        if (newRsp - rspEvent < newRsp - oldRsp) {
            domain.events().setPending(port);
        }
    }

    /** True if the guest has posted requests not yet consumed (checked after a pass ends). */
    boolean hasPending() {
        if (closed || broken) {
            return false;
        }
        try {
            return domain.physmap().memory().getIntVolatile(base + REQ_PROD) != reqCons;
        } catch (GuestMemoryFault fault) {
            return false;
        }
    }

    /** Stops the ring; waits for a request that is running to finish. */
    void close() {
        closed = true;
        synchronized (runLock) {
            // Nothing: taking the lock waits out the request in flight.
        }
    }

    boolean isClosed() {
        return closed;
    }
}
