package dev.domus.hv.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TimerServiceTest {

    /**
     * A handle whose timer already fired must stay dead: the wheel reuses a freed slot (and
     * so its id) for a later timer in the same spoke, and a late cancel by the first owner
     * (a poll's finally, set_timer_op replacing its old timer) used to cancel the newcomer,
     * leaving a vCPU blocked with no timer to wake it.
     */
    @Test
    void cancellingAFiredTimerNeverCancelsALaterOne() throws Exception {
        try (TimerService timers = new TimerService(System.nanoTime())) {
            CountDownLatch first = new CountDownLatch(1);
            long deadline = timers.now() + 1_000_000L;
            long a = timers.schedule(deadline, now -> first.countDown());
            assertTrue(first.await(10, TimeUnit.SECONDS));
            // Same spoke of the 512-tick wheel: one whole revolution later.
            CountDownLatch second = new CountDownLatch(1);
            long b = timers.schedule(deadline + 512L * (1L << 20), now -> second.countDown());
            assertNotEquals(a, b, "a fired timer's handle is never handed out again");
            assertFalse(timers.cancel(a), "the first timer already fired");
            assertEquals(1, timers.pending(), "the second timer is still armed");
            assertTrue(second.await(10, TimeUnit.SECONDS), "the second timer fires");
        }
    }

    @Test
    void aCancelledTimerDoesNotFire() throws Exception {
        try (TimerService timers = new TimerService(System.nanoTime())) {
            CountDownLatch cancelled = new CountDownLatch(1);
            CountDownLatch later = new CountDownLatch(1);
            long a = timers.schedule(timers.now() + 2_000_000L, now -> cancelled.countDown());
            assertTrue(timers.cancel(a));
            timers.schedule(timers.now() + 4_000_000L, now -> later.countDown());
            assertTrue(later.await(10, TimeUnit.SECONDS));
            assertEquals(1, cancelled.getCount(), "the cancelled timer never ran");
            assertFalse(timers.cancel(a), "cancelling twice is refused");
        }
    }
}
