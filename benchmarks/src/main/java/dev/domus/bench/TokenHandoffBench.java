package dev.domus.bench;

import dev.domus.bench.guest.TokenPingPong;
import dev.domus.dom0.xenstore.ring.Dom0Calls;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A vCPU switch on one pCPU: two vCPUs of a guest hand the pCPU's run token to each other
 * with SCHEDOP_yield (the scheduler's pick, unpark of the next vCPU thread, park of the
 * yielder), {@value #HANDOFFS} hand-offs per operation, started and collected by one event
 * round trip with Dom0 (amortized over the batch). Reported per hand-off. Baseline: the same
 * number of park/unpark hand-offs between two plain Java threads. Each side has its own state,
 * so the guest (whose vCPU 1 spins yielding while vCPU 0 waits for Dom0) exists only while
 * its own benchmark runs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TokenHandoffBench {

    static final int ROUNDS = 100;
    static final int HANDOFFS = 2 * ROUNDS;

    /** A one-pCPU host running the ping-pong guest. */
    @State(Scope.Benchmark)
    public static class Guest {
        GuestHost setup;
        Dom0Calls dom0;
        int port;

        @Setup
        public void setUp() throws Exception {
            setup = GuestHost.start(TokenPingPong.class, 2, "rounds=" + ROUNDS);
            dom0 = setup.dom0;
            port = setup.port;
        }

        @TearDown
        public void tearDown() {
            setup.close();
        }
    }

    /** Two plain threads that hand control to each other with park/unpark. */
    @State(Scope.Benchmark)
    public static class Threads {
        Thread partner;
        volatile Thread caller;
        volatile long turn;
        volatile boolean stop;

        @Setup
        public void setUp() {
            partner = new Thread(() -> {
                while (!stop) {
                    long t = turn;
                    if ((t & 1) == 0) {
                        LockSupport.park(this);
                        continue;
                    }
                    turn = t + 1;
                    LockSupport.unpark(caller);
                }
            }, "baseline-partner");
            partner.setDaemon(true);
            partner.start();
        }

        @TearDown
        public void tearDown() throws InterruptedException {
            stop = true;
            LockSupport.unpark(partner);
            partner.join();
        }
    }

    @Benchmark
    @OperationsPerInvocation(HANDOFFS)
    public void handoff(Guest g) {
        g.dom0.send(g.port);
        while (!g.dom0.testAndClearPending(g.port)) {
            g.dom0.poll(g.port);
        }
    }

    @Benchmark
    @OperationsPerInvocation(HANDOFFS)
    public long handoffBaseline(Threads t) {
        t.caller = Thread.currentThread();
        long v = t.turn;
        for (int i = 0; i < ROUNDS; i++) {
            long odd = v + 1;
            t.turn = odd;
            LockSupport.unpark(t.partner);
            while ((v = t.turn) == odd) {
                LockSupport.park(this);
            }
        }
        return v;
    }
}
