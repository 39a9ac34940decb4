package dev.domus.bench;

import dev.domus.abi.Xen;
import dev.domus.hv.mem.DomainMemory;
import dev.domus.hv.mem.FrameAllocator;
import dev.domus.hv.mem.GuestMemoryView;
import dev.domus.hv.mem.MachineMemory;
import dev.domus.hv.p2m.P2mType;
import java.util.concurrent.TimeUnit;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
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
 * A copy-on-write fault: a guest's write to a page it shares with another domain. The write
 * goes through the guest's own {@link GuestMemoryView} (what a vCPU is handed) and takes the
 * slow path that breaks sharing: allocate a frame, copy the shared frame into it, map it
 * {@code rw} in the P2M, bump the generation and quarantine the old reference; the next access
 * then revalidates the view's translation cache. Baseline: a plain 4 KiB copy between two
 * off-heap buffers.
 *
 * <p>Measured at the hypervisor's memory layer (two domains' {@link DomainMemory} on a real
 * {@link FrameAllocator}, the calls XENMEM_sharing_op lands in), so the score is the fault and
 * not Dom0's scan. Each invocation breaks sharing of {@value #PAGES} distinct pages (the score
 * is per page); the invocation-level setup, not timed, shares them again (nominate both, share:
 * the hypervisor's full compare, the client's private frame freed). The client writes back the
 * word already there, so the pages stay identical and can be re-shared. The baseline copies
 * {@value #PAGES} distinct pages too, so both sides touch the same number of bytes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CowFaultBench {

    static final int PAGES = 1024;
    private static final int PAGE = Xen.PAGE_SIZE;

    /** Domain 1 (the source) and domain 2 (the client) with {@value #PAGES} identical pages. */
    @State(Scope.Benchmark)
    public static class Sharers {
        MachineMemory machine;
        FrameAllocator frames;
        DomainMemory source;
        DomainMemory client;
        GuestMemoryView sourceView;
        GuestMemoryView clientView;
        final long[] firstWord = new long[PAGES];

        @Setup(Level.Trial)
        public void setUp() {
            machine = new MachineMemory((3L * PAGES + 64) * PAGE); // both domains and the private copies
            frames = new FrameAllocator(machine);
            source = new DomainMemory(1, frames, PAGES, PAGES);
            client = new DomainMemory(2, frames, PAGES, PAGES);
            source.populateRange(0, PAGES);
            client.populateRange(0, PAGES);
            sourceView = source.newView();
            clientView = client.newView();
            long x = 0x9E3779B97F4A7C15L;
            for (int pfn = 0; pfn < PAGES; pfn++) {
                for (int i = 0; i < PAGE; i += 8) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    sourceView.putLong((long) pfn * PAGE + i, x);
                    clientView.putLong((long) pfn * PAGE + i, x);
                }
                firstWord[pfn] = sourceView.getLong((long) pfn * PAGE);
            }
            share();
            for (int pfn = 0; pfn < PAGES; pfn++) {
                if (client.typeOf(pfn) != P2mType.p2m_ram_shared || client.mfnOf(pfn) != source.mfnOf(pfn)) {
                    throw new IllegalStateException("pfn " + pfn + " is not shared after setup");
                }
            }
        }

        /** Shares every client page with the source's page again (not timed). */
        @Setup(Level.Invocation)
        public void share() {
            for (int pfn = 0; pfn < PAGES; pfn++) {
                if (source.nominateShare(pfn) != 0 || client.nominateShare(pfn) != 0) {
                    throw new IllegalStateException("nominate pfn " + pfn + " failed");
                }
            }
            sourceView.quiesce(); // the nominations settle once both domains' vCPUs passed a quiescent point
            clientView.quiesce();
            for (int pfn = 0; pfn < PAGES; pfn++) {
                int rc = DomainMemory.share(source, pfn, client, pfn);
                if (rc != 0) {
                    throw new IllegalStateException("share pfn " + pfn + ": " + rc);
                }
            }
            clientView.quiesce(); // the client's private frames leave the quarantine
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            clientView.close();
            sourceView.close();
            source.destroy();
            client.destroy();
            machine.close();
        }
    }

    /** {@value #PAGES} source pages and as many destination pages, off-heap. */
    @State(Scope.Benchmark)
    public static class Buffers {
        UnsafeBuffer from;
        UnsafeBuffer to;

        @Setup(Level.Trial)
        public void setUp() {
            from = new UnsafeBuffer(BufferUtil.allocateDirectAligned(PAGES * PAGE, PAGE));
            to = new UnsafeBuffer(BufferUtil.allocateDirectAligned(PAGES * PAGE, PAGE));
            for (int i = 0; i < PAGES * PAGE; i += 8) {
                from.putLong(i, i * 0x9E3779B97F4A7C15L);
                to.putLong(i, 1);
            }
        }
    }

    /** The client writes one word into each of {@value #PAGES} shared pages: one CoW fault each. */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long cowFault(Sharers s) {
        GuestMemoryView v = s.clientView;
        long[] words = s.firstWord;
        for (int pfn = 0; pfn < PAGES; pfn++) {
            v.putLong((long) pfn * PAGE, words[pfn]);
        }
        return v.getLong(0);
    }

    /** Baseline: a plain 4 KiB copy, {@value #PAGES} distinct pages per invocation. */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public UnsafeBuffer cowFaultBaseline(Buffers b) {
        UnsafeBuffer to = b.to;
        UnsafeBuffer from = b.from;
        for (int off = 0; off < PAGES * PAGE; off += PAGE) {
            to.putBytes(off, from, off, PAGE);
        }
        return to;
    }
}
