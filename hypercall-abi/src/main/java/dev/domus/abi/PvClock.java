package dev.domus.abi;

/**
 * Xen's pvclock arithmetic ({@code xen/include/public/xen.h}, {@code struct vcpu_time_info}):
 * the system time now is the published {@code system_time} plus the TSC ticks since
 * {@code tsc_timestamp}, scaled by {@code tsc_to_system_mul} (a 32.32 fraction) after a
 * shift by {@code tsc_shift}.
 */
public final class PvClock {

    private PvClock() {
    }

    /**
     * System time in nanoseconds at TSC value {@code tsc}, from one consistent read of a
     * {@code vcpu_time_info}. A TSC older than the timestamp (a read that raced a republish)
     * counts as no time passed, so the clock never goes back.
     */
    public static long systemTime(long tsc, long tscTimestamp, long systemTime, int tscToSystemMul, int tscShift) {
        long delta = tsc - tscTimestamp;
        if (delta <= 0) {
            return systemTime;
        }
        delta = tscShift >= 0 ? delta << tscShift : delta >>> -tscShift;
        long mul = Integer.toUnsignedLong(tscToSystemMul);
        // (delta * mul) >> 32 without losing the high bits, as Xen's 128-bit product does.
        long high = Math.multiplyHigh(delta, mul); // both non-negative: the signed high half is exact
        long low = delta * mul;
        return systemTime + ((high << 32) | (low >>> 32));
    }
}
