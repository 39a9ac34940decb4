package dev.domus.bench;

import dev.domus.abi.Xen;
import dev.domus.hv.mem.DomainMemory;
import dev.domus.hv.mem.FilePageStore;
import dev.domus.hv.mem.FrameAllocator;
import dev.domus.hv.mem.GuestMemoryView;
import dev.domus.hv.mem.MachineMemory;
import dev.domus.hv.p2m.P2mType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A page-in: a guest's read of a page the pager evicted to the domain's paging file. The read
 * goes through the guest's own {@link GuestMemoryView} and takes the slow path: allocate a
 * frame, read the page from the {@link FilePageStore} into it, map it, then complete the read.
 * Baseline: a raw 4 KiB {@code FileChannel.read} into a direct buffer at a random page offset of
 * a file of the same size. The page cache is warm on both sides (the pages were just written).
 *
 * <p>Measured at the hypervisor's memory layer (a {@link DomainMemory} with a file page store,
 * the calls XENMEM_paging_op lands in), so the score is the page-in and not Dom0's pager. Each
 * invocation touches {@value #PAGES} paged-out pages in a random order (the score is per page);
 * the invocation-level setup, not timed, evicts them again (nominate, quiesce, evict). Every
 * page read is checked against the word written before it was paged out.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PageInBench {

    static final int PAGES = 1024;
    private static final int PAGE = Xen.PAGE_SIZE;

    /** A random order of {@code 0..n-1}, the same in every run. */
    static int[] shuffled(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random r = new Random(42);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** A domain of {@value #PAGES} pages whose paging file is in a temporary directory. */
    @State(Scope.Benchmark)
    public static class Paged {
        Path dir;
        MachineMemory machine;
        FrameAllocator frames;
        DomainMemory domain;
        FilePageStore store;
        GuestMemoryView view;
        final long[] firstWord = new long[PAGES];
        final int[] order = shuffled(PAGES);

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("domus-bench-pagein");
            machine = new MachineMemory((PAGES + 64L) * PAGE);
            frames = new FrameAllocator(machine);
            domain = new DomainMemory(1, frames, PAGES, PAGES);
            store = new FilePageStore(dir.resolve("dom1.paging"));
            domain.setPageStore(store);
            domain.populateRange(0, PAGES);
            view = domain.newView();
            long x = 0x9E3779B97F4A7C15L;
            for (int pfn = 0; pfn < PAGES; pfn++) {
                for (int i = 0; i < PAGE; i += 8) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    view.putLong((long) pfn * PAGE + i, x);
                }
                firstWord[pfn] = view.getLong((long) pfn * PAGE);
            }
        }

        /** Evicts every page to the paging file before each invocation (not timed). */
        @Setup(Level.Invocation)
        public void pageOut() {
            for (int pfn = 0; pfn < PAGES; pfn++) {
                if (domain.nominatePageOut(pfn) != 0) {
                    throw new IllegalStateException("nominate pfn " + pfn + " failed");
                }
            }
            view.quiesce(); // eviction waits until the vCPU can hold no writable translation
            for (int pfn = 0; pfn < PAGES; pfn++) {
                int rc = domain.evictPage(pfn);
                if (rc != 0 || domain.typeOf(pfn) != P2mType.p2m_ram_paged) {
                    throw new IllegalStateException("evict pfn " + pfn + ": " + rc);
                }
            }
            view.quiesce(); // the frames go back to the pool
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            view.close();
            domain.destroy();
            store.close();
            machine.close();
            Files.deleteIfExists(dir.resolve("dom1.paging"));
            Files.deleteIfExists(dir);
        }
    }

    /** A file of {@value #PAGES} pages, open for reading, and a direct page buffer. */
    @State(Scope.Benchmark)
    public static class RawFile {
        Path dir;
        FileChannel channel;
        final ByteBuffer page = ByteBuffer.allocateDirect(PAGE).order(ByteOrder.LITTLE_ENDIAN);
        final int[] order = shuffled(PAGES);

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("domus-bench-pagein-raw");
            channel = FileChannel.open(dir.resolve("raw.paging"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            ByteBuffer all = ByteBuffer.allocateDirect(PAGES * PAGE).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < PAGES * PAGE; i += 8) {
                all.putLong(i, i * 0x9E3779B97F4A7C15L);
            }
            long pos = 0;
            while (all.hasRemaining()) {
                pos += channel.write(all, pos);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            channel.close();
            Files.deleteIfExists(dir.resolve("raw.paging"));
            Files.deleteIfExists(dir);
        }
    }

    /** The guest reads one word of each of {@value #PAGES} paged-out pages: one page-in each. */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long pageIn(Paged p) {
        GuestMemoryView v = p.view;
        long sum = 0;
        for (int pfn : p.order) {
            long w = v.getLong((long) pfn * PAGE);
            if (w != p.firstWord[pfn]) {
                throw new IllegalStateException("pfn " + pfn + " came back with other content");
            }
            sum += w;
        }
        return sum;
    }

    /** Baseline: {@value #PAGES} raw 4 KiB reads of the file, at the same random page offsets. */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long pageInBaseline(RawFile f) throws IOException {
        ByteBuffer page = f.page;
        long sum = 0;
        for (int slot : f.order) {
            page.clear();
            long pos = (long) slot * PAGE;
            while (page.hasRemaining()) {
                int n = f.channel.read(page, pos);
                if (n < 0) {
                    throw new IOException("raw file truncated at page " + slot);
                }
                pos += n;
            }
            sum += page.getLong(0);
        }
        return sum;
    }
}
