package dev.domus.hv.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.flyweight.VmEventFlyweight;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The paging ring when more pages wait than it has slots: the extra requests wait in the
 * backlog and go on the ring as the pager's responses free slots; every waiter gets its page.
 */
@Timeout(60)
class PagingRingBacklogTest {

    private static final int PAGE = 4096;
    private static final int WAITERS = VmEventFlyweight.RING_SIZE + 3;

    private final MachineMemory mem = new MachineMemory(64 * PAGE);
    private final FrameAllocator alloc = new FrameAllocator(mem);

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void requestsBeyondTheRingWaitForFreedSlotsAndEveryWaiterGetsItsPage() throws Exception {
        DomainMemory dom = new DomainMemory(1, alloc, 32, 32);
        AtomicInteger notified = new AtomicInteger();
        PagingRing ring = dom.enablePager(7, notified::incrementAndGet, WAITERS);
        assertEquals(WAITERS, dom.populatePaged(0, WAITERS));
        UnsafeBuffer page = new UnsafeBuffer(mem.frameAddress(ring.mfn()), PAGE);
        Thread[] waiters = new Thread[WAITERS];
        long[] seen = new long[WAITERS];
        for (int i = 0; i < WAITERS; i++) {
            int pfn = i;
            waiters[i] = new Thread(() -> {
                GuestMemoryView v = dom.newView(pfn);
                seen[pfn] = v.getLong((long) pfn * PAGE); // waits for the pager
                v.close();
            }, "waiter-" + i);
            waiters[i].start();
        }
        // Every waiter has asked: the ring holds RING_SIZE requests, the rest wait behind them.
        while (ring.requests() < VmEventFlyweight.RING_SIZE || !allWaiting(waiters)) {
            Thread.onSpinWait();
        }
        assertEquals(VmEventFlyweight.RING_SIZE, page.getIntVolatile(VmEventFlyweight.SRING_REQ_PROD_OFFSET));
        // The pager answers the ring's requests: prep each page, respond, resume.
        UnsafeBuffer content = new UnsafeBuffer(new byte[PAGE]);
        int answered = 0;
        while (answered < WAITERS) {
            int prod = page.getIntVolatile(VmEventFlyweight.SRING_REQ_PROD_OFFSET);
            assertTrue(prod - answered <= VmEventFlyweight.RING_SIZE, "never more requests than slots");
            for (; answered < prod; answered++) {
                long gfn = page.getLong(VmEventFlyweight.entryOffset(answered) + VmEventFlyweight.MEM_PAGING_GFN_OFFSET);
                content.putLong(0, 1000 + gfn);
                assertEquals(0, dom.prepPage(gfn, content));
                page.putIntVolatile(VmEventFlyweight.SRING_RSP_PROD_OFFSET, answered + 1);
            }
            if (answered < WAITERS) {
                ring.resume(); // frees the slots: the backlog moves onto the ring
            }
        }
        ring.resume();
        for (int i = 0; i < WAITERS; i++) {
            waiters[i].join();
            assertEquals(1000 + i, seen[i]);
        }
        assertEquals(WAITERS, ring.requests(), "one request per page");
        assertEquals(0, dom.pagerBackedPages());
        assertTrue(notified.get() >= 2, "the backlog's requests were announced too");
        dom.destroy();
    }

    private static boolean allWaiting(Thread[] threads) {
        for (Thread t : threads) {
            if (t.getState() != Thread.State.WAITING) {
                return false;
            }
        }
        return true;
    }
}
