package dev.domus.bench;

import dev.domus.dom0.save.DomainLoader;
import dev.domus.dom0.save.DomainSaver;
import dev.domus.dom0.save.SavedDomainInfo;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Save and restore throughput of a paused domain whose every page holds distinct non-zero
 * data (the worst case: no zero page to skip), against a raw sequential write (and fsync) and
 * read of the same byte count to the same directory in the same run. Issue 9's target: save
 * at least 0.8x the raw write. Score: milliseconds per image; MB/s = image bytes / score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
public class SaveRestoreBench {

    @Param({"256"})
    public int guestMib;

    private Host host;
    private Path guests;
    private Path dir;
    private BuiltDomain source;
    private BuiltDomain target;
    private SavedDomainInfo info;
    private Path image;
    private long imageBytes;
    private ByteBuffer chunk;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        host = Host.start(HostConfig.defaults().withMemory((2L * guestMib + 192) << 20).withPcpus(1));
        guests = GuestClasses.directory();
        dir = Files.createTempDirectory("domus-bench-save");
        DomainSpec spec = FilledImage.spec(guests, guestMib);
        source = new DomainBuilder(host.dom0()).build(spec);
        target = new DomainBuilder(host.dom0()).build(spec);
        info = FilledImage.info(source, guests, guestMib);
        FilledImage.fill(host.dom0(), source.domid(), info);
        image = dir.resolve("image");
        imageBytes = FilledImage.save(host.dom0(), source.domid(), info, image);
        chunk = ByteBuffer.allocateDirect(1 << 20);
        for (int i = 0; i < chunk.capacity(); i++) {
            chunk.put(i, (byte) (i * 31 + 7));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        host.close();
        Files.deleteIfExists(image);
        Files.deleteIfExists(dir.resolve("save"));
        Files.deleteIfExists(dir.resolve("raw"));
        Files.deleteIfExists(dir);
        GuestClasses.delete(guests);
    }

    @TearDown(Level.Invocation)
    public void removeOutputs() throws IOException {
        Files.deleteIfExists(dir.resolve("save"));
        Files.deleteIfExists(dir.resolve("raw"));
    }

    @Benchmark
    public long save() throws Exception {
        return new DomainSaver(host.dom0()).save(source.domid(), info, null, null, Map.of(), new long[][] {{0, 1, 0}},
                dir.resolve("save")).bytes();
    }

    /** Baseline: the same number of bytes written sequentially in 1 MiB writes, then fsync. */
    @Benchmark
    public long saveBaseline() throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve("raw"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            long left = imageBytes;
            while (left > 0) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), left));
                left -= ch.write(chunk);
            }
            ch.force(true);
        }
        return imageBytes;
    }

    @Benchmark
    public long restore() throws Exception {
        return new DomainLoader(host.dom0()).load(image, target.domid(), info).bytes();
    }

    /** Baseline: reading the image sequentially in 1 MiB reads. */
    @Benchmark
    public long restoreBaseline() throws IOException {
        long n = 0;
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            int r;
            while ((r = ch.read(chunk.clear())) > 0) {
                n += r;
            }
        }
        return n;
    }
}
