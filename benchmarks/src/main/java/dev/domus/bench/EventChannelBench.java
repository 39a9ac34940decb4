package dev.domus.bench;

import dev.domus.bench.guest.EventEcho;
import dev.domus.dom0.xenstore.ring.Dom0Calls;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Event channel round trip between two domains: Dom0 sends on an interdomain channel, a
 * guest blocked in the SDK's {@code waitFor} wakes on its vCPU and sends back, Dom0 (blocked
 * in SCHEDOP_poll) wakes. Baseline: the same ping-pong between two plain Java threads with
 * park/unpark and volatile flags.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EventChannelBench {

    private GuestHost setup;
    private Dom0Calls dom0;
    private int port;

    private Thread echo;
    private Thread caller;
    private volatile long pings;
    private volatile long pongs;
    private volatile boolean stop;

    @Setup
    public void setUp() throws Exception {
        setup = GuestHost.start(EventEcho.class, 1, "");
        dom0 = setup.dom0;
        port = setup.port;
        roundTrip(); // the guest is up and echoing

        echo = new Thread(() -> {
            long seen = 0;
            while (!stop) {
                long p = pings;
                if (p == seen) {
                    LockSupport.park(this);
                    continue;
                }
                seen = p;
                pongs = p;
                LockSupport.unpark(caller);
            }
        }, "baseline-echo");
        echo.setDaemon(true);
        echo.start();
    }

    @TearDown
    public void tearDown() {
        stop = true;
        LockSupport.unpark(echo);
        setup.close();
    }

    @Benchmark
    public void roundTrip() {
        dom0.send(port);
        while (!dom0.testAndClearPending(port)) {
            dom0.poll(port);
        }
    }

    @Benchmark
    public long roundTripBaseline() {
        caller = Thread.currentThread();
        long p = pings + 1;
        pings = p;
        LockSupport.unpark(echo);
        while (pongs != p) {
            LockSupport.park(this);
        }
        return p;
    }
}
