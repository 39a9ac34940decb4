package dev.domus.sdk.ring;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;

/**
 * The back (answering) end of an {@code io/ring.h} ring: {@code BACK_RING_INIT},
 * {@code RING_HAS_UNCONSUMED_REQUESTS}, {@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY},
 * {@code RING_FINAL_CHECK_FOR_REQUESTS}. Used by a guest that serves another (the pingpong
 * sample) or by tests; Dom0's backends have their own.
 */
public final class BackRing {

    private final GuestMemory memory;
    private final long sring;
    private final int entrySize;
    private final int size;
    private int rspProdPvt;
    private int reqCons;

    public BackRing(GuestMemory memory, long sring, int bytes, int entrySize) {
        this.memory = memory;
        this.sring = sring;
        this.entrySize = entrySize;
        this.size = SharedRing.ringSize(bytes, entrySize);
        this.rspProdPvt = memory.getIntVolatile(sring + SRING_RSP_PROD_OFFSET);
        this.reqCons = rspProdPvt;
    }

    public int size() {
        return size;
    }

    /** {@code RING_HAS_UNCONSUMED_REQUESTS}, bounded by the free response slots. */
    public int unconsumedRequests() {
        int req = memory.getIntVolatile(sring + SRING_REQ_PROD_OFFSET) - reqCons;
        int rsp = size - (reqCons - rspProdPvt);
        return Math.min(req, rsp);
    }

    public boolean hasUnconsumedRequests() {
        return unconsumedRequests() > 0;
    }

    /** Address of the next request; consume it with {@link #consumeRequest()}. */
    public long request() {
        return entry(reqCons);
    }

    public void consumeRequest() {
        reqCons++;
    }

    /** Claims the next response slot (the slot of the oldest unanswered request). */
    public long nextResponse() {
        if (rspProdPvt == reqCons) {
            throw new XenException(XenErrno.XEN_EINVAL, "BackRing.nextResponse", "no consumed request awaits a response");
        }
        return entry(rspProdPvt++);
    }

    /** {@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY}. */
    public boolean pushResponses() {
        int old = memory.getIntVolatile(sring + SRING_RSP_PROD_OFFSET);
        int now = rspProdPvt;
        memory.putIntVolatile(sring + SRING_RSP_PROD_OFFSET, now);
        return SharedRing.needsNotify(now, old, memory.getIntVolatile(sring + SRING_RSP_EVENT_OFFSET));
    }

    /** {@code RING_FINAL_CHECK_FOR_REQUESTS}. */
    public boolean finalCheckForRequests() {
        if (hasUnconsumedRequests()) {
            return true;
        }
        memory.putIntVolatile(sring + SRING_REQ_EVENT_OFFSET, reqCons + 1);
        return hasUnconsumedRequests();
    }

    private long entry(int idx) {
        return sring + SRING_RING_OFFSET + (long) (idx & (size - 1)) * entrySize;
    }
}
