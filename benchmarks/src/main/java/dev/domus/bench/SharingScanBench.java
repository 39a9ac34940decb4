package dev.domus.bench;

import dev.domus.abi.Xen;
import dev.domus.bench.guest.FirstInstruction;
import dev.domus.dom0.overcommit.MemoryOps;
import dev.domus.dom0.overcommit.SharingScanner;
import dev.domus.dom0.save.GuestPageIo;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.agrona.collections.Long2LongHashMap;
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
 * Throughput of Dom0's page-sharing scan ({@link SharingScanner}): {@code mib} MiB of guest memory
 * in two paused domains of {@code mib/2} MiB each, the second holding the same pages as the first
 * (a guest and its clone: half of the scanned pages are duplicates, and the scan frees them). The
 * scan reads each page's type (getpageframeinfo3), maps it into Dom0 (foreign mapping), hashes it,
 * and has the hypervisor share each matching pair (nominate both, compare in full, share).
 *
 * <p>Baseline: the least any content-based scan must do with the same bytes in plain off-heap
 * buffers: hash every page with the scanner's hash and compare each page whose hash was seen
 * before with its twin in full ({@code ByteBuffer.mismatch}, a vectorized memcmp on Java 17).
 *
 * <p>Score: milliseconds per scan; GiB/s = {@code mib} / 1024 / seconds. The invocation-level
 * setup (not timed) rewrites every page of both domains through Dom0's writable foreign
 * mappings, which breaks the sharing the previous scan made, so each scan starts from private
 * pages again. Each scan checks that it shared every duplicate.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(1)
public class SharingScanBench {

    private static final int PAGE = Xen.PAGE_SIZE;

    /** The size of the scan, shared by both sides. */
    @State(Scope.Benchmark)
    public static class Size {
        /** Guest memory scanned, MiB (two domains of half each). */
        @Param({"128"})
        public int mib;
    }

    /** The page at {@code index} of the first domain (and of its clone): distinct, non-zero. */
    static void page(long index, byte[] page) {
        long x = 0x9E3779B97F4A7C15L * (index + 1);
        for (int b = 0; b < PAGE; b += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            for (int j = 0; j < 8; j++) {
                page[b + j] = (byte) (x >>> (8 * j));
            }
        }
    }

    /** A host with the two domains, Dom0's scanner, and the pages to rewrite before each scan. */
    @State(Scope.Benchmark)
    public static class Guests {
        Host host;
        Path classes;
        BuiltDomain original;
        BuiltDomain clone;
        MemoryOps ops;
        SharingScanner scanner;
        List<Integer> domids;
        long duplicates;
        int mib;
        /** GiB/s of each scan of this trial, printed at its end (JMH reports time per scan). */
        final List<Double> rates = new ArrayList<>();

        @Setup(Level.Trial)
        public void setUp(Size size) throws Exception {
            mib = size.mib;
            int guestMib = size.mib / 2;
            host = Host.start(HostConfig.defaults().withMemory((size.mib + 256L) << 20).withPcpus(1));
            classes = GuestClasses.directory();
            DomainSpec spec = DomainSpec.of(FirstInstruction.class.getName(), guestMib * 1024L, 1)
                    .withClassPath(classes.toString()).paused(true);
            original = new DomainBuilder(host.dom0()).build(spec);
            clone = new DomainBuilder(host.dom0()).build(spec);
            ops = new MemoryOps(host.dom0());
            scanner = new SharingScanner(host.dom0(), ops);
            domids = List.of(original.domid(), clone.domid());
            duplicates = clone.nrPages() - clone.firstFreePfn();
        }

        /** Writes the same pages into both domains above their special pages, before each scan (not timed). */
        @Setup(Level.Invocation)
        public void fill() {
            byte[] page = new byte[PAGE];
            long[] pfns = new long[GuestPageIo.BATCH];
            int[] err = new int[GuestPageIo.BATCH];
            try (GuestPageIo io = new GuestPageIo(host.dom0())) {
                for (BuiltDomain d : List.of(original, clone)) {
                    for (long first = d.firstFreePfn(); first < d.nrPages(); first += GuestPageIo.BATCH) {
                        int n = (int) Math.min(GuestPageIo.BATCH, d.nrPages() - first);
                        for (int i = 0; i < n; i++) {
                            pfns[i] = first + i;
                        }
                        long mapped = io.map(d.domid(), pfns, n, err);
                        if (mapped != n) {
                            int bad = 0;
                            while (bad < n - 1 && err[bad] == 0) {
                                bad++;
                            }
                            throw new IllegalStateException("cannot map pages of domain " + d.domid() + ": " + mapped
                                    + " of " + n + " mapped, pfn " + pfns[bad] + " error " + err[bad]);
                        }
                        for (int i = 0; i < n; i++) {
                            page(first + i, page);
                            io.write(i, page, 0);
                        }
                        io.unmapAll();
                    }
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            if (!rates.isEmpty()) {
                List<Double> sorted = new ArrayList<>(rates);
                Collections.sort(sorted);
                System.out.printf(Locale.ROOT, "%nSharingScanBench: %d scans of %d MiB (warmup included), %.3f GiB/s median,"
                        + " %.3f best%n", sorted.size(), mib, sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
            }
            ops.close();
            host.close();
            GuestClasses.delete(classes);
        }
    }

    /** The same bytes in two off-heap buffers, one page view per page. */
    @State(Scope.Benchmark)
    public static class Buffers {
        ByteBuffer[] pages;

        @Setup(Level.Trial)
        public void setUp(Size size) {
            int perDomain = (size.mib / 2) << 8; // pages
            pages = new ByteBuffer[2 * perDomain];
            byte[] page = new byte[PAGE];
            for (int d = 0; d < 2; d++) {
                ByteBuffer all = ByteBuffer.allocateDirect(perDomain * PAGE);
                for (int i = 0; i < perDomain; i++) {
                    page(i, page);
                    all.put(i * PAGE, page);
                    pages[d * perDomain + i] = all.slice(i * PAGE, PAGE).order(ByteOrder.LITTLE_ENDIAN);
                }
            }
        }
    }

    @Benchmark
    public SharingScanner.Result scan(Guests g) {
        SharingScanner.Result r = g.scanner.scan(g.domids);
        if (r.sharedPages() < g.duplicates) {
            throw new IllegalStateException("the scan shared " + r.sharedPages() + " pages of " + g.duplicates
                    + " duplicates: " + r);
        }
        g.rates.add(r.gibPerSecond());
        return r;
    }

    /** Baseline: hash every page, compare each repeated hash's pages in full. Returns pages equal. */
    @Benchmark
    public long scanBaseline(Buffers b) {
        Long2LongHashMap seen = new Long2LongHashMap(-1);
        long equal = 0;
        ByteBuffer[] pages = b.pages;
        for (int i = 0; i < pages.length; i++) {
            long h = hash(pages[i]);
            long first = seen.get(h);
            if (first < 0) {
                seen.put(h, i);
            } else if (pages[(int) first].mismatch(pages[i]) < 0) {
                equal++;
            }
        }
        if (equal != pages.length / 2) {
            throw new IllegalStateException(equal + " equal pages, expected " + pages.length / 2);
        }
        return equal;
    }

    /** The scanner's page hash (multiply-xorshift over the page's 64-bit words). */
    static long hash(ByteBuffer page) {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < PAGE; i += 8) {
            long w = page.getLong(i);
            h = (h ^ w) * 0xff51afd7ed558ccdL;
            h ^= h >>> 29;
        }
        return h ^ (h >>> 32);
    }
}
