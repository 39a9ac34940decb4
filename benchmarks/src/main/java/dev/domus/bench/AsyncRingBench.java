package dev.domus.bench;

import dev.domus.bench.guest.AsyncProducer;
import dev.domus.dom0.xenstore.ring.Dom0Calls;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
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
 * Async hypercall ring throughput, reported as time per call: a guest posts {@value #CALLS}
 * null hypercalls on its ring (one producer, its vCPU), the hypervisor drains and answers
 * them, the guest waits for the last answer; one Dom0 event round trip starts and collects
 * each batch (amortized). Baseline: the same number of 64-byte requests through a raw Agrona
 * {@link OneToOneRingBuffer} to a consumer thread that answers each through a second ring,
 * the producer collecting every answer. Throughput ratio = baseline time / Domus time. Each
 * side has its own state, so only one of them runs at a time. Latency to completion is not
 * measured separately (a batch of one would be dominated by the event round trip).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AsyncRingBench {

    static final int CALLS = 256;
    static final int MESSAGE = 64;

    /** A one-pCPU host running the producing guest. */
    @State(Scope.Benchmark)
    public static class Guest {
        GuestHost setup;
        Dom0Calls dom0;
        int port;

        @Setup
        public void setUp() throws Exception {
            setup = GuestHost.start(AsyncProducer.class, 1, "calls=" + CALLS);
            dom0 = setup.dom0;
            port = setup.port;
        }

        @TearDown
        public void tearDown() {
            setup.close();
        }
    }

    /**
     * Request and response rings and the thread that answers. Both sides sleep when they have
     * nothing to do and wake each other with unpark, as the guest and the hypervisor's drain
     * thread do with the notify hypercall and the response event; a park is bounded (10 us) so a
     * missed wake-up costs a tick, never a hang.
     */
    @State(Scope.Benchmark)
    public static class Rings {
        OneToOneRingBuffer requests;
        OneToOneRingBuffer responses;
        final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
        final UnsafeBuffer answer = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
        Thread consumer;
        volatile Thread producer;
        volatile boolean stop;
        long answered;
        final MessageHandler countAnswer = (type, buffer, index, length) -> answered++;
        final MessageHandler answerRequest = (type, buffer, index, length) -> {
            answer.putLong(0, buffer.getLong(index));
            answer.putLong(8, (4 << 16) | 17);
            while (!responses.write(1, answer, 0, MESSAGE)) {
                LockSupport.unpark(producer);
                Thread.onSpinWait();
            }
        };

        @Setup
        public void setUp() {
            // One page of ring each way, as the guest's async ring.
            requests = new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(4096 + RingBufferDescriptor.TRAILER_LENGTH)));
            responses = new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(4096 + RingBufferDescriptor.TRAILER_LENGTH)));
            producer = Thread.currentThread();
            consumer = new Thread(() -> {
                while (!stop) {
                    if (requests.read(answerRequest) > 0) {
                        LockSupport.unpark(producer);
                    } else {
                        LockSupport.parkNanos(this, 10_000);
                    }
                }
            }, "baseline-consumer");
            consumer.setDaemon(true);
            consumer.start();
        }

        @TearDown
        public void tearDown() throws InterruptedException {
            stop = true;
            LockSupport.unpark(consumer);
            consumer.join();
        }
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public void asyncCall(Guest g) {
        g.dom0.send(g.port);
        while (!g.dom0.testAndClearPending(g.port)) {
            g.dom0.poll(g.port);
        }
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public long asyncCallBaseline(Rings r) {
        r.producer = Thread.currentThread();
        long before = r.answered;
        int sent = 0;
        while (r.answered - before < CALLS) {
            while (sent < CALLS) {
                r.message.putLong(0, sent);
                if (!r.requests.write(1, r.message, 0, MESSAGE)) {
                    break;
                }
                sent++;
            }
            LockSupport.unpark(r.consumer);
            if (r.responses.read(r.countAnswer) == 0) {
                LockSupport.parkNanos(this, 10_000);
            }
        }
        return r.answered;
    }
}
