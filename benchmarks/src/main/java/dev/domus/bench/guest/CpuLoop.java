package dev.domus.bench.guest;

import java.util.function.LongUnaryOperator;

/** Guest code for InstrumentationBench: a tight arithmetic loop (back-edge polls only). */
public final class CpuLoop implements LongUnaryOperator {

    @Override
    public long applyAsLong(long iterations) {
        long x = 0x9E3779B97F4A7C15L;
        for (long i = 0; i < iterations; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        return x;
    }
}
