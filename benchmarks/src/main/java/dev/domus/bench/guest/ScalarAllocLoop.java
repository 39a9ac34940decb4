package dev.domus.bench.guest;

import java.util.function.LongUnaryOperator;

/**
 * Guest code for InstrumentationBench: arrays that never escape the loop. The JIT removes
 * them entirely in bare code (escape analysis); heap accounting hands each one to the
 * runtime, so instrumented code really allocates them. This is the worst case.
 */
public final class ScalarAllocLoop implements LongUnaryOperator {

    @Override
    public long applyAsLong(long iterations) {
        long sum = 0;
        for (long i = 0; i < iterations; i++) {
            long[] cell = new long[4];
            cell[3] = i;
            sum += cell[3];
        }
        return sum;
    }
}
