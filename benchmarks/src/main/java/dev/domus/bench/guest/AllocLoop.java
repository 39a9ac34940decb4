package dev.domus.bench.guest;

import java.util.function.LongUnaryOperator;

/** Guest code for InstrumentationBench: allocation-heavy (a small array and a call per iteration). */
public final class AllocLoop implements LongUnaryOperator {

    @Override
    public long applyAsLong(long iterations) {
        long sum = 0;
        for (long i = 0; i < iterations; i++) {
            long[] cell = fill(new long[4], i);
            sum += cell[3];
        }
        return sum;
    }

    private static long[] fill(long[] a, long seed) {
        for (int i = 0; i < a.length; i++) {
            a[i] = seed + i;
        }
        return a;
    }
}
