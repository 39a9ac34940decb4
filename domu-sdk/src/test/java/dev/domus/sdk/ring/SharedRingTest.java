package dev.domus.sdk.ring;

import static org.junit.jupiter.api.Assertions.*;

import dev.domus.abi.XenErrno;
import dev.domus.sdk.ArrayGuestMemory;
import dev.domus.sdk.XenException;
import org.junit.jupiter.api.Test;

class SharedRingTest {

    private final ArrayGuestMemory memory = new ArrayGuestMemory(8192);

    @Test
    void blkifSizedEntriesGiveXensThirtyTwoSlotRing() {
        assertEquals(32, SharedRing.pageRingSize(112));
        assertEquals(32, SharedRing.pageRingSize(64));
    }

    @Test
    void requestsAndResponsesFlowInOrderAcrossManyWraps() {
        FrontRing front = new FrontRing(memory, 0, 4096, 64, true);
        BackRing back = new BackRing(memory, 0, 4096, 64);
        long next = 0;
        long expect = 0;
        for (int round = 0; round < 50; round++) {
            int n = 1 + round % 32;
            for (int i = 0; i < n && !front.isFull(); i++) {
                memory.putLong(front.nextRequest(), next++);
            }
            front.pushRequests();
            while (back.hasUnconsumedRequests()) {
                long v = memory.getLong(back.request());
                back.consumeRequest();
                memory.putLong(back.nextResponse(), v * 2);
            }
            back.pushResponses();
            while (front.hasUnconsumedResponses()) {
                assertEquals(2 * expect++, memory.getLong(front.response()));
                front.consumeResponse();
            }
        }
        assertEquals(next, expect);
        assertEquals(0, front.inFlight());
    }

    @Test
    void notificationsFollowTheEventThresholds() {
        FrontRing front = new FrontRing(memory, 0, 4096, 64, true);
        BackRing back = new BackRing(memory, 0, 4096, 64);
        front.nextRequest();
        assertTrue(front.pushRequests(), "req_event starts at 1: the first request notifies");
        front.nextRequest();
        assertFalse(front.pushRequests(), "the back end has not asked again");
        back.consumeRequest();
        back.consumeRequest();
        assertFalse(back.finalCheckForRequests(), "nothing more; req_event re-armed");
        front.nextRequest();
        assertTrue(front.pushRequests(), "re-armed threshold crossed");
    }

    @Test
    void aFullRingRefusesTheNextRequestWithAClearError() {
        FrontRing front = new FrontRing(memory, 0, 4096, 64, true);
        for (int i = 0; i < front.size(); i++) {
            front.nextRequest();
        }
        XenException e = assertThrows(XenException.class, front::nextRequest);
        assertEquals(XenErrno.XEN_EAGAIN, e.errno());
        assertTrue(e.getMessage().contains("ring full"), e.getMessage());
    }
}
