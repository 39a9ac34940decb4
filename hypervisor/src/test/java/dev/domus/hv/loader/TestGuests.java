package dev.domus.hv.loader;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.VcpuContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/** Builds kernel directories out of the compiled test guests, and the gate they report to. */
final class TestGuests {

    private TestGuests() {
    }

    /** The test classes' root (target/test-classes). */
    static Path testClasses() {
        try {
            return Path.of(TestGuests.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A kernel directory under {@code dir} holding {@code guest}, its nested classes, and
     * the extra classes given (e.g. a shared report-op holder).
     */
    static Path kernelDir(Path dir, Class<?> guest, Class<?>... extra) {
        try {
            Path out = Files.createDirectories(dir.resolve(guest.getSimpleName()));
            copyWithNested(guest, out);
            for (Class<?> e : extra) {
                copyWithNested(e, out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyWithNested(Class<?> c, Path out) throws IOException {
        String internal = c.getName().replace('.', '/');
        Path src = testClasses().resolve(internal + ".class");
        Path pkg = src.getParent();
        String simple = internal.substring(internal.lastIndexOf('/') + 1);
        try (Stream<Path> files = Files.list(pkg)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (n.equals(simple + ".class") || n.startsWith(simple + "$")) {
                    Path target = out.resolve(internal.substring(0, internal.lastIndexOf('/') + 1) + n);
                    Files.createDirectories(target.getParent());
                    Files.copy(f, target);
                }
            }
        }
    }

    /** Verifies and instruments one guest (no SDK) and loads it for a domain. */
    static LoadedGuest load(Path dir, Class<?> guest, long heap, Class<?>... extra) throws Exception {
        GuestImage image = GuestImage.prepare(List.of(GuestCodeSource.of(kernelDir(dir, guest, extra))),
                Optional.empty(), GuestImage.Mode.INSTRUMENTED);
        return GuestLoader.load(image, guest.getName(), guest.getSimpleName(), heap);
    }

    /**
     * A gate that records what guests report: per op, the calls seen and the last value,
     * plus an optional hook run on the guest's thread.
     */
    static final class ReportGate implements HypercallGate {
        final ConcurrentHashMap<Integer, AtomicLong> calls = new ConcurrentHashMap<>();
        final ConcurrentHashMap<Integer, AtomicLong> last = new ConcurrentHashMap<>();
        final ConcurrentHashMap<Integer, CountDownLatch> firstCall = new ConcurrentHashMap<>();
        volatile LongConsumer onProgress = v -> { };

        @Override
        public long call(int op, long a1, long a2, long a3, long a4, long a5) {
            calls.computeIfAbsent(op, k -> new AtomicLong()).incrementAndGet();
            last.computeIfAbsent(op, k -> new AtomicLong()).set(a1);
            latch(op).countDown();
            if (op == dev.domus.hv.loader.guests.RunningGuests.PROGRESS) {
                onProgress.accept(a1);
            }
            return 0;
        }

        CountDownLatch latch(int op) {
            return firstCall.computeIfAbsent(op, k -> new CountDownLatch(1));
        }

        long count(int op) {
            AtomicLong a = calls.get(op);
            return a == null ? 0 : a.get();
        }

        Long lastValue(int op) {
            AtomicLong a = last.get(op);
            return a == null ? null : a.get();
        }
    }

    /** The context a test vCPU hands its guest: id, count and gate; no guest memory. */
    record Context(int vcpuId, HypercallGate gate) implements VcpuContext {
        @Override
        public long readTsc() {
            return System.nanoTime();
        }

        @Override
        public int vcpuCount() {
            return 1;
        }

        @Override
        public GuestMemory memory() {
            throw new UnsupportedOperationException("these test guests use no guest memory");
        }

        @Override
        public long startInfoAddress() {
            return 0;
        }

        @Override
        public boolean resumed() {
            return false;
        }
    }
}
