package dev.domus.bench;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Xen;
import java.util.concurrent.TimeUnit;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * GuestMemory (P2M translation, ownership checks, per-vCPU cache) against a raw Agrona
 * UnsafeBuffer over the same number of bytes: 8-byte reads and writes walking 64 pages, and
 * 4 KiB block copies in and out.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GuestMemoryBench {

    static final int PAGES = 64;
    static final int SPAN = PAGES * Xen.PAGE_SIZE;

    private GuestMemory guest;
    private long base;
    private UnsafeBuffer raw;
    private final byte[] block = new byte[Xen.PAGE_SIZE];
    private int cursor;

    @Setup
    public void setUp(HostState host) {
        guest = host.dom0.memory();
        base = host.dom0.pages().allocate(PAGES);
        raw = new UnsafeBuffer(BufferUtil.allocateDirectAligned(SPAN, 64));
    }

    /** Advances by a cache line and a page each time, so the translation cache is exercised. */
    private int next() {
        cursor = (cursor + Xen.PAGE_SIZE + 64) & (SPAN - 1) & ~7;
        return cursor;
    }

    @Benchmark
    public long longReadWrite() {
        long a = base + next();
        long v = guest.getLong(a);
        guest.putLong(a, v + 1);
        return v;
    }

    @Benchmark
    public long longReadWriteBaseline() {
        int a = next();
        long v = raw.getLong(a);
        raw.putLong(a, v + 1);
        return v;
    }

    @Benchmark
    public byte[] blockCopy4k() {
        long page = base + ((next() / Xen.PAGE_SIZE) * (long) Xen.PAGE_SIZE);
        guest.getBytes(page, block, 0, Xen.PAGE_SIZE);
        guest.putBytes(page, block, 0, Xen.PAGE_SIZE);
        return block;
    }

    @Benchmark
    public byte[] blockCopy4kBaseline() {
        int page = (next() / Xen.PAGE_SIZE) * Xen.PAGE_SIZE;
        raw.getBytes(page, block, 0, Xen.PAGE_SIZE);
        raw.putBytes(page, block, 0, Xen.PAGE_SIZE);
        return block;
    }
}
