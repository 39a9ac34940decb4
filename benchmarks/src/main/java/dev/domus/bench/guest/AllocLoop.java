package dev.domus.bench.guest;

import java.util.function.LongUnaryOperator;

/**
 * Guest code for InstrumentationBench: allocation-heavy. Each iteration allocates a small
 * array and keeps it in a ring of 64 recent ones, so the allocations really reach the heap
 * (as a guest's data structures do) in the bare run too.
 */
public final class AllocLoop implements LongUnaryOperator {

    private final long[][] recent = new long[64][];

    @Override
    public long applyAsLong(long iterations) {
        long sum = 0;
        for (long i = 0; i < iterations; i++) {
            long[] cell = fill(new long[4], i);
            recent[(int) i & 63] = cell;
            sum += recent[(int) (i * 7) & 63] == null ? 0 : recent[(int) (i * 7) & 63][3];
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
