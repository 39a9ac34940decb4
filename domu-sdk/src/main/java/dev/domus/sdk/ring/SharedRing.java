package dev.domus.sdk.ring;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Xen;

/**
 * The shared page of an {@code io/ring.h} ring: the header ({@code req_prod, req_event,
 * rsp_prod, rsp_event}, padded to 64 bytes) followed by the entries, each as large as the
 * bigger of the request and response structs. Use {@link FrontRing} on the side that sends
 * requests and {@link BackRing} on the side that answers them.
 */
public final class SharedRing {

    private SharedRing() {
    }

    /**
     * {@code __RING_SIZE}: entries that fit in {@code bytes} after the header, rounded down to a
     * power of two. For a 4 KiB page of 112-byte blkif entries this is 32.
     */
    public static int ringSize(int bytes, int entrySize) {
        int n = (bytes - SRING_RING_OFFSET) / entrySize;
        if (n < 1) {
            throw new IllegalArgumentException(entrySize + "-byte entries do not fit in " + bytes + " bytes");
        }
        return Integer.highestOneBit(n);
    }

    /** {@code SHARED_RING_INIT}: producers 0, event thresholds 1, padding cleared. */
    public static void init(GuestMemory memory, long sring) {
        memory.setMemory(sring, SRING_RING_OFFSET, (byte) 0);
        memory.putInt(sring + SRING_REQ_EVENT_OFFSET, 1);
        memory.putIntVolatile(sring + SRING_RSP_EVENT_OFFSET, 1);
    }

    /** Page-sized ring size for an entry size. */
    public static int pageRingSize(int entrySize) {
        return ringSize(Xen.PAGE_SIZE, entrySize);
    }

    /** {@code RING_IDX} wrap-around comparison: is the notification threshold crossed? */
    static boolean needsNotify(int newIdx, int oldIdx, int event) {
        return Integer.compareUnsigned(newIdx - event, newIdx - oldIdx) < 0;
    }
}
