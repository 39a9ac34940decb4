package dev.domus.sdk.ring;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;

/**
 * The front (requesting) end of an {@code io/ring.h} ring, as Xen's {@code FRONT_RING_INIT},
 * {@code RING_GET_REQUEST}, {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY} and
 * {@code RING_FINAL_CHECK_FOR_RESPONSES}. The private indexes ({@code req_prod_pvt},
 * {@code rsp_cons}) are Java fields: a front end re-initialises the ring when it reconnects,
 * as on Xen. Single producer: one vCPU drives a front ring.
 *
 * <p>Typical use: {@code long a = ring.nextRequest(); ...write the request at a...;
 * if (ring.pushRequests()) notify; ... while (ring.hasUnconsumedResponses()) { long r =
 * ring.response(); ...; ring.consumeResponse(); }}.
 */
public final class FrontRing {

    private final GuestMemory memory;
    private final long sring;
    private final int entrySize;
    private final int size;
    private int reqProdPvt;
    private int rspCons;

    /** Wraps a ring page and (when {@code initialise}) performs {@code SHARED_RING_INIT}. */
    public FrontRing(GuestMemory memory, long sring, int bytes, int entrySize, boolean initialise) {
        this.memory = memory;
        this.sring = sring;
        this.entrySize = entrySize;
        this.size = SharedRing.ringSize(bytes, entrySize);
        if (initialise) {
            SharedRing.init(memory, sring);
        }
        this.reqProdPvt = memory.getIntVolatile(sring + SRING_REQ_PROD_OFFSET);
        this.rspCons = memory.getIntVolatile(sring + SRING_RSP_PROD_OFFSET);
    }

    public long sharedRingAddress() {
        return sring;
    }

    /** {@code RING_SIZE}. */
    public int size() {
        return size;
    }

    /** {@code RING_FREE_REQUESTS}: request slots not yet answered and consumed. */
    public int freeRequests() {
        return size - (reqProdPvt - rspCons);
    }

    /** {@code RING_FULL}. */
    public boolean isFull() {
        return freeRequests() == 0;
    }

    /**
     * Claims the next request slot and returns its address (the caller fills it in). Throws
     * {@code XEN_EAGAIN} when the ring is full: every slot awaits a response the back end has
     * not yet given; consume responses (or wait for them) first.
     */
    public long nextRequest() {
        if (isFull()) {
            throw new XenException(XenErrno.XEN_EAGAIN, "FrontRing.nextRequest",
                    "ring full: all " + size + " slots await responses; consume responses before posting more");
        }
        long a = entry(reqProdPvt);
        reqProdPvt++;
        return a;
    }

    /** Requests claimed but not yet pushed. */
    public int unpushedRequests() {
        return reqProdPvt - memory.getIntVolatile(sring + SRING_REQ_PROD_OFFSET);
    }

    /**
     * {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}: publishes the claimed requests and says
     * whether the back end asked to be notified (its {@code req_event} was crossed).
     */
    public boolean pushRequests() {
        int old = memory.getIntVolatile(sring + SRING_REQ_PROD_OFFSET);
        int now = reqProdPvt;
        memory.putIntVolatile(sring + SRING_REQ_PROD_OFFSET, now); // release + full fence
        return SharedRing.needsNotify(now, old, memory.getIntVolatile(sring + SRING_REQ_EVENT_OFFSET));
    }

    /** {@code RING_HAS_UNCONSUMED_RESPONSES}. */
    public int unconsumedResponses() {
        return memory.getIntVolatile(sring + SRING_RSP_PROD_OFFSET) - rspCons;
    }

    public boolean hasUnconsumedResponses() {
        return unconsumedResponses() > 0;
    }

    /** Address of the oldest unconsumed response (check {@link #hasUnconsumedResponses} first). */
    public long response() {
        return entry(rspCons);
    }

    public void consumeResponse() {
        rspCons++;
    }

    /**
     * {@code RING_FINAL_CHECK_FOR_RESPONSES}: true if responses are waiting; otherwise asks the
     * back end to notify on the next one and checks once more (closing the race).
     */
    public boolean finalCheckForResponses() {
        if (hasUnconsumedResponses()) {
            return true;
        }
        memory.putIntVolatile(sring + SRING_RSP_EVENT_OFFSET, rspCons + 1);
        return hasUnconsumedResponses();
    }

    /** Requests posted whose responses are not yet consumed. */
    public int inFlight() {
        return reqProdPvt - rspCons;
    }

    private long entry(int idx) {
        return sring + SRING_RING_OFFSET + (long) (idx & (size - 1)) * entrySize;
    }
}
