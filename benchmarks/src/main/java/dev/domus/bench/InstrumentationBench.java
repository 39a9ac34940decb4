package dev.domus.bench;

import dev.domus.bench.guest.AllocLoop;
import dev.domus.bench.guest.BenchKernel;
import dev.domus.bench.guest.CpuLoop;
import dev.domus.bench.guest.ScalarAllocLoop;
import dev.domus.hv.loader.GuestClassLoader;
import dev.domus.hv.loader.GuestCodeSource;
import dev.domus.hv.loader.GuestImage;
import dev.domus.hv.loader.GuestThread;
import dev.domus.hv.loader.GuestThreadState;
import dev.domus.hv.loader.HeapQuota;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the guest loader's instrumentation costs: the same verified bytecode loaded through
 * the guest loader instrumented (safepoint polls, depth bound, heap accounting) and bare,
 * both run on a thread that is a {@link GuestThread} (as a vCPU is), so the polls take the
 * real path. Each operation is one loop of {@link #ITERATIONS} handed to that thread; the
 * hand-off is the same on both sides.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InstrumentationBench {

    static final long ITERATIONS = 1_000_000;

    /** A vCPU-like thread: never asked to stop, with a 1 GiB heap quota. */
    static final class BenchGuestThread extends Thread implements GuestThread {
        private final GuestThreadState state = new GuestThreadState(new HeapQuota(1L << 30));

        BenchGuestThread(Runnable r) {
            super(null, r, "bench-guest", RECOMMENDED_STACK_SIZE);
            setDaemon(true);
        }

        @Override
        public boolean safepointRequested() {
            return false;
        }

        @Override
        public void atSafepoint() {
        }

        @Override
        public boolean killRequested() {
            return false;
        }

        @Override
        public GuestThreadState guestState() {
            return state;
        }
    }

    private ExecutorService vcpu;
    private LongUnaryOperator cpuInstrumented;
    private LongUnaryOperator cpuBare;
    private LongUnaryOperator allocInstrumented;
    private LongUnaryOperator allocBare;
    private LongUnaryOperator scalarInstrumented;
    private LongUnaryOperator scalarBare;

    @Setup
    public void setUp() throws Exception {
        Path classes = Path.of(BenchKernel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String pkg = BenchKernel.class.getPackageName().replace('.', '/') + "/";
        List<GuestCodeSource> kernel = List.of(GuestCodeSource.of(classes, pkg));
        GuestClassLoader instrumented = GuestImage.prepare(kernel, GuestCodeSource.locateSdk(), GuestImage.Mode.INSTRUMENTED)
            .newClassLoader("bench-instrumented");
        GuestClassLoader bare = GuestImage.prepare(kernel, GuestCodeSource.locateSdk(), GuestImage.Mode.BARE)
            .newClassLoader("bench-bare");
        cpuInstrumented = load(instrumented, CpuLoop.class);
        cpuBare = load(bare, CpuLoop.class);
        allocInstrumented = load(instrumented, AllocLoop.class);
        allocBare = load(bare, AllocLoop.class);
        scalarInstrumented = load(instrumented, ScalarAllocLoop.class);
        scalarBare = load(bare, ScalarAllocLoop.class);
        if (cpuInstrumented.getClass() == CpuLoop.class || cpuInstrumented.getClass() == cpuBare.getClass()) {
            throw new IllegalStateException("guest classes were not loaded by the guest loader");
        }
        vcpu = Executors.newSingleThreadExecutor(BenchGuestThread::new);
    }

    private static LongUnaryOperator load(ClassLoader loader, Class<?> type) throws Exception {
        return (LongUnaryOperator) loader.loadClass(type.getName()).getConstructor().newInstance();
    }

    @TearDown
    public void tearDown() {
        vcpu.shutdownNow();
    }

    private long run(LongUnaryOperator loop) throws Exception {
        return vcpu.submit(() -> loop.applyAsLong(ITERATIONS)).get();
    }

    @Benchmark
    public long cpuLoop() throws Exception {
        return run(cpuInstrumented);
    }

    @Benchmark
    public long cpuLoopBaseline() throws Exception {
        return run(cpuBare);
    }

    @Benchmark
    public long allocLoop() throws Exception {
        return run(allocInstrumented);
    }

    @Benchmark
    public long allocLoopBaseline() throws Exception {
        return run(allocBare);
    }

    @Benchmark
    public long scalarAllocLoop() throws Exception {
        return run(scalarInstrumented);
    }

    @Benchmark
    public long scalarAllocLoopBaseline() throws Exception {
        return run(scalarBare);
    }
}
