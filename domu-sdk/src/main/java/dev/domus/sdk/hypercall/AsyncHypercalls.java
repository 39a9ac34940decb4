package dev.domus.sdk.hypercall;

import static dev.domus.abi.DomusAsync.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.abi.flyweight.DomusAsyncRequestFlyweight;
import dev.domus.abi.flyweight.DomusAsyncResponseFlyweight;
import dev.domus.sdk.XenException;
import dev.domus.sdk.event.EventChannels;
import dev.domus.sdk.ring.FrontRing;

/**
 * The client of Domus's asynchronous hypercall ring ({@code __HYPERVISOR_domus_async_op}, see
 * {@link dev.domus.abi.DomusAsync}): post hypercalls and keep running; the hypervisor runs them
 * in order on its own threads and answers through the ring, raising an event channel.
 *
 * <pre>{@code
 * Completion c = async.submit(__HYPERVISOR_xen_version, XENVER_version);
 * ... other work ...
 * long v = c.await();        // or: async.poll(); if (c.isDone()) c.result();
 * }</pre>
 *
 * <p>Back-pressure: {@link #submit} on a full ring throws {@code XEN_EAGAIN} naming the number
 * in flight (collect completions first); {@link #submitWaiting} instead waits for a slot.
 * One vCPU drives a client.
 */
public final class AsyncHypercalls {

    private static final int REQ_ID = DomusAsyncRequestFlyweight.ID_OFFSET;
    private static final int REQ_OP = DomusAsyncRequestFlyweight.OP_OFFSET;
    private static final int REQ_ARGS = DomusAsyncRequestFlyweight.ARGS_OFFSET;
    private static final int RSP_ID = DomusAsyncResponseFlyweight.ID_OFFSET;
    private static final int RSP_RESULT = DomusAsyncResponseFlyweight.RESULT_OFFSET;

    private final Hypervisor hv;
    private final GuestMemory memory;
    private final EventChannels events;
    private final FrontRing ring;
    private final int port;
    private final long handle;
    private final Completion[] pool;
    private long nextId = 1;
    private boolean closed;

    /** Initialises a ring of {@code pages} pages at {@code ringAddress}, binds a port and registers it. */
    public AsyncHypercalls(Hypervisor hv, EventChannels events, long ringAddress, int pages) {
        this.hv = hv;
        this.memory = hv.memory();
        this.events = events;
        this.ring = new FrontRing(memory, ringAddress, pages * Xen.PAGE_SIZE, DOMUS_ASYNC_SLOT_SIZE, true);
        this.port = events.bindIpi(0);
        this.handle = hv.call(Hypercalls.__HYPERVISOR_domus_async_op, DOMUS_ASYNC_register, ringAddress, pages, port, 0,
                "DOMUS_ASYNC_register");
        this.pool = new Completion[ring.size()];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new Completion(this);
        }
    }

    /** Ring slots. */
    public int capacity() {
        return ring.size();
    }

    /** Calls posted whose answers have not been collected. */
    public int inFlight() {
        return ring.inFlight();
    }

    /** Posts one hypercall; throws {@code XEN_EAGAIN} when the ring is full. */
    public Completion submit(int op, long a1, long a2, long a3, long a4, long a5) {
        checkOpen();
        if (ring.isFull()) {
            poll();
            if (ring.isFull()) {
                throw new XenException(XenErrno.XEN_EAGAIN, "async submit",
                        "ring full: " + ring.inFlight() + " calls in flight; collect completions (poll/await) before posting more");
            }
        }
        long id = nextId++;
        Completion c = pool[(int) (id & (pool.length - 1))];
        c.id = id;
        c.op = op;
        c.done = false;
        c.result = 0;
        long slot = ring.nextRequest();
        memory.putLong(slot + REQ_ID, id);
        memory.putInt(slot + REQ_OP, op);
        memory.putInt(slot + REQ_OP + 4, 0);
        memory.putLong(slot + REQ_ARGS, a1);
        memory.putLong(slot + REQ_ARGS + 8, a2);
        memory.putLong(slot + REQ_ARGS + 16, a3);
        memory.putLong(slot + REQ_ARGS + 24, a4);
        memory.putLong(slot + REQ_ARGS + 32, a5);
        if (ring.pushRequests()) {
            hv.call(Hypercalls.__HYPERVISOR_domus_async_op, DOMUS_ASYNC_notify, handle, 0, 0, 0, "DOMUS_ASYNC_notify");
        }
        return c;
    }

    public Completion submit(int op, long a1, long a2) {
        return submit(op, a1, a2, 0, 0, 0);
    }

    public Completion submit(int op, long a1) {
        return submit(op, a1, 0, 0, 0, 0);
    }

    /** Like {@link #submit} but waits for a free slot instead of failing. */
    public Completion submitWaiting(int op, long a1, long a2, long a3, long a4, long a5) {
        while (ring.isFull()) {
            poll();
            if (ring.isFull()) {
                events.waitFor(port);
            }
        }
        return submit(op, a1, a2, a3, a4, a5);
    }

    /** Collects every answer the ring holds; returns how many. */
    public int poll() {
        int n = 0;
        do {
            while (ring.hasUnconsumedResponses()) {
                long r = ring.response();
                long id = memory.getLong(r + RSP_ID);
                long result = memory.getLong(r + RSP_RESULT);
                ring.consumeResponse();
                Completion c = pool[(int) (id & (pool.length - 1))];
                if (c.id == id) {
                    c.result = result;
                    c.done = true;
                }
                n++;
            }
        } while (ring.finalCheckForResponses());
        return n;
    }

    /** Waits (blocking the vCPU) until {@code c} is answered. */
    public void await(Completion c) {
        while (true) {
            poll();
            if (c.done) {
                return;
            }
            checkOpen();
            events.waitFor(port);
        }
    }

    /** Unregisters the ring (calls not yet consumed by the hypervisor are not run) and closes the port. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        hv.call(Hypercalls.__HYPERVISOR_domus_async_op, DOMUS_ASYNC_unregister, handle, 0, 0, 0, "DOMUS_ASYNC_unregister");
        events.close(port);
    }

    private void checkOpen() {
        if (closed) {
            throw new XenException(XenErrno.XEN_ENOTCONN, "async hypercalls", "the ring was unregistered (suspended or closed)");
        }
    }
}
