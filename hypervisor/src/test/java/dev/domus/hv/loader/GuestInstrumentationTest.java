package dev.domus.hv.loader;

import static dev.domus.hv.loader.guests.RunningGuests.CAUGHT;
import static dev.domus.hv.loader.guests.RunningGuests.DONE;
import static dev.domus.hv.loader.guests.RunningGuests.FINALLY;
import static dev.domus.hv.loader.guests.RunningGuests.PROGRESS;
import static dev.domus.hv.loader.guests.RunningGuests.STARTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.GuestKernel;
import dev.domus.hv.loader.guests.Features;
import dev.domus.hv.loader.guests.RunningGuests;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instrumented guests on vCPU stand-ins ({@link TestVcpu}): preemption of a tight loop,
 * destruction through catch-all handlers, the heap quota, the depth bound, and unchanged
 * behaviour of well-behaved code.
 */
@Timeout(120) // a guard against a guest that escapes its safepoints, not a timing check
class GuestInstrumentationTest {

    @TempDir
    Path tmp;

    private TestVcpu vcpu(String name, LoadedGuest g, TestGuests.ReportGate gate, Semaphore token) {
        return new TestVcpu(name, g.newThreadState(), token, () -> {
            GuestKernel k = g.newKernel();
            k.start(new TestGuests.Context(0, gate));
        });
    }

    @Test
    void tightLoopIsPreemptedSoAnotherGuestOnTheSamePcpuProgressesThenBothAreDestroyed() throws Exception {
        Semaphore pcpu = new Semaphore(1, true); // one pCPU: only the token holder runs
        LoadedGuest spin = TestGuests.load(tmp, RunningGuests.Spin.class, 1 << 20);
        LoadedGuest count = TestGuests.load(tmp, RunningGuests.Counter.class, 1 << 20);
        TestGuests.ReportGate spinGate = new TestGuests.ReportGate();
        TestGuests.ReportGate countGate = new TestGuests.ReportGate();

        TestVcpu spinner = vcpu("spin", spin, spinGate, pcpu);
        spinner.start();
        spinGate.latch(STARTED).await(); // the spinner holds the pCPU and is in while(true)
        CountDownLatch progressed = new CountDownLatch(1);
        TestVcpu counter = vcpu("count", count, countGate, pcpu);
        countGate.onProgress = v -> {
            if (v == 1000) {
                progressed.countDown();
                ((TestVcpu) Thread.currentThread()).preempt(); // end of its slice: hand back the pCPU
            }
        };
        counter.start();
        while (!pcpu.hasQueuedThreads()) {
            Thread.onSpinWait(); // the counter waits for the pCPU the spinner holds
        }
        spinner.preempt(); // end of the spinner's slice
        progressed.await();
        assertTrue(spinner.safepoints.get() >= 1, "the spinner stopped at a safepoint");
        assertTrue(spinner.isAlive(), "the spinner is still in its loop");

        spinner.kill();
        counter.kill();
        Throwable spinEnd = spinner.awaitOutcome();
        Throwable countEnd = counter.awaitOutcome();
        assertInstanceOf(GuestTermination.class, spinEnd);
        assertTrue(((GuestTermination) spinEnd).isKill());
        assertInstanceOf(GuestTermination.class, countEnd);
        assertTrue(countGate.count(PROGRESS) >= 1001);
    }

    @Test
    void catchingThrowableAroundALoopDoesNotSaveAGuestFromDestruction() throws Exception {
        LoadedGuest g = TestGuests.load(tmp, RunningGuests.CatchesEverything.class, 1 << 20);
        TestGuests.ReportGate gate = new TestGuests.ReportGate();
        TestVcpu v = vcpu("catcher", g, gate, null);
        v.start();
        gate.latch(STARTED).await();
        v.kill();
        Throwable end = v.awaitOutcome();
        assertInstanceOf(GuestTermination.class, end);
        assertEquals(GuestTermination.Reason.KILLED, ((GuestTermination) end).reason());
        assertEquals(0, gate.count(CAUGHT), "no catch block ran");
        assertEquals(0, gate.count(FINALLY), "no finally block ran");
    }

    @Test
    void arrayBombCrashesOnlyItsDomainAndTheHostHeapRecovers() throws Exception {
        long before = heapAfterGc();
        LoadedGuest g = TestGuests.load(tmp, RunningGuests.ArrayBomb.class, 32L << 20);
        TestGuests.ReportGate gate = new TestGuests.ReportGate();
        TestVcpu v = vcpu("bomb", g, gate, null);
        v.start();
        Throwable end = v.awaitOutcome();
        assertInstanceOf(GuestTermination.class, end);
        assertEquals(GuestTermination.Reason.HEAP_QUOTA, ((GuestTermination) end).reason());
        assertTrue(end.getMessage().contains("java_heap quota exceeded"), end::getMessage);
        assertEquals(0, gate.count(CAUGHT), "the quota cannot be caught");
        long kept = gate.lastValue(PROGRESS);
        assertTrue(kept >= 28 && kept <= 32, "1 MiB arrays kept before the 32 MiB quota stopped it: " + kept);
        g.release();
        long after = heapAfterGc();
        assertTrue(after < before + (8L << 20),
                "host heap back to where it was: before " + (before >> 20) + " MiB, after " + (after >> 20) + " MiB");
    }

    @Test
    void oneHugeArrayIsRefusedBeforeItIsAllocated() throws Exception {
        LoadedGuest g = TestGuests.load(tmp, RunningGuests.HugeArray.class, 64L << 20);
        TestGuests.ReportGate gate = new TestGuests.ReportGate();
        TestVcpu v = vcpu("huge", g, gate, null);
        v.start();
        Throwable end = v.awaitOutcome();
        assertInstanceOf(GuestTermination.class, end);
        assertTrue(end.getMessage().contains("requested"), end::getMessage);
        assertEquals(0, gate.count(DONE));
    }

    @Test
    void bombOfSmallGuestObjectsIsCaughtBySampling() throws Exception {
        long quota = 8L << 20;
        LoadedGuest g = TestGuests.load(tmp, RunningGuests.ObjectBomb.class, quota);
        TestGuests.ReportGate gate = new TestGuests.ReportGate();
        TestVcpu v = vcpu("objects", g, gate, null);
        v.start();
        Throwable end = v.awaitOutcome();
        assertInstanceOf(GuestTermination.class, end);
        assertEquals(GuestTermination.Reason.HEAP_QUOTA, ((GuestTermination) end).reason());
        long nodes = gate.lastValue(PROGRESS);
        long expected = quota / 48; // a node: 12-byte header, a reference, four longs
        assertTrue(nodes > expected / 3 && nodes < expected * 3,
                "nodes kept " + nodes + " vs about " + expected + " that fit the quota");
    }

    @Test
    void churnFarBeyondTheQuotaIsFineWhenLittleIsKeptAlive() throws Exception {
        LoadedGuest g = TestGuests.load(tmp, RunningGuests.Churn.class, 16L << 20);
        TestGuests.ReportGate gate = new TestGuests.ReportGate();
        TestVcpu v = vcpu("churn", g, gate, null);
        v.start();
        assertNull(v.awaitOutcome(), "200 MiB allocated in total, 1 MiB alive at a time, 16 MiB quota");
        assertEquals(200L, gate.lastValue(DONE));
    }

    @Test
    void deepRecursionCrashesOnlyItsDomainEvenWhenItCatchesStackOverflow() throws Exception {
        LoadedGuest g = TestGuests.load(tmp, RunningGuests.DeepRecursion.class, 1 << 20);
        TestGuests.ReportGate gate = new TestGuests.ReportGate();
        TestVcpu v = vcpu("recursion", g, gate, null);
        v.start();
        Throwable end = v.awaitOutcome();
        assertInstanceOf(GuestTermination.class, end);
        assertEquals(GuestTermination.Reason.STACK_DEPTH, ((GuestTermination) end).reason());
        assertEquals(0, gate.count(CAUGHT));
        assertEquals(0, gate.count(DONE));
    }

    @Test
    void constructorRecursionEndsInAStackOverflowNoGuestHandlerCatches() throws Exception {
        LoadedGuest g = TestGuests.load(tmp, RunningGuests.ConstructorRecursion.class, 1L << 30);
        TestGuests.ReportGate gate = new TestGuests.ReportGate();
        TestVcpu v = vcpu("ctor-recursion", g, gate, null);
        v.start();
        Throwable end = v.awaitOutcome();
        assertTrue(end instanceof StackOverflowError || end instanceof GuestTermination,
                () -> "overflow escapes the guest: " + end);
        assertEquals(0, gate.count(CAUGHT));
    }

    @Test
    void instrumentedGuestComputesExactlyWhatThePlainClassComputes() throws Exception {
        LoadedGuest g = TestGuests.load(tmp, Features.class, 16L << 20);
        TestGuests.ReportGate gate = new TestGuests.ReportGate();
        TestVcpu v = vcpu("features", g, gate, null);
        v.start();
        assertNull(v.awaitOutcome());
        assertEquals((long) Features.compute().hashCode(), gate.lastValue(DONE));
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
