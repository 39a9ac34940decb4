package dev.domus.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PvClockTest {

    @Test
    void domusScaleOfOneCountsTscTicksAsNanoseconds() {
        assertEquals(1_000 + 5_000_000, PvClock.systemTime(5_010_000, 10_000, 1_000, 0x8000_0000, 1));
    }

    @Test
    void aXenStyleScaleConvertsA3GHzTscToNanoseconds() {
        // 3 GHz: 1/3 ns per tick = 0x55555555 / 2^32 after no shift.
        long t = PvClock.systemTime(3_000_000_000L, 0, 0, 0x5555_5555, 0);
        assertEquals(1_000_000_000L, t, 1);
    }

    @Test
    void aNegativeShiftDividesFirst() {
        assertEquals(500, PvClock.systemTime(2_000, 0, 0, 0x8000_0000, -1));
    }

    @Test
    void aLargeDeltaKeepsTheHighBitsOfTheProduct() {
        long hour = 3_600_000_000_000L;
        assertEquals(hour, PvClock.systemTime(hour, 0, 0, 0x8000_0000, 1));
    }

    @Test
    void aTscBehindTheTimestampDoesNotTurnTheClockBack() {
        assertEquals(7_000, PvClock.systemTime(99, 100, 7_000, 0x8000_0000, 1));
    }
}
