package dev.domus.bench;

import static dev.domus.abi.flyweight.GnttabCopyFlyweight.DEST_DOMID_OFFSET;
import static dev.domus.abi.flyweight.GnttabCopyFlyweight.DEST_OFFSET_OFFSET;
import static dev.domus.abi.flyweight.GnttabCopyFlyweight.DEST_U_GMFN_OFFSET;
import static dev.domus.abi.flyweight.GnttabCopyFlyweight.FLAGS_OFFSET;
import static dev.domus.abi.flyweight.GnttabCopyFlyweight.LEN_OFFSET;
import static dev.domus.abi.flyweight.GnttabCopyFlyweight.SOURCE_DOMID_OFFSET;
import static dev.domus.abi.flyweight.GnttabCopyFlyweight.SOURCE_OFFSET_OFFSET;
import static dev.domus.abi.flyweight.GnttabCopyFlyweight.SOURCE_U_REF_OFFSET;
import static dev.domus.abi.flyweight.GnttabCopyFlyweight.STATUS_OFFSET;

import dev.domus.abi.GrantTableOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.Xen;
import dev.domus.abi.flyweight.GnttabSetupTableFlyweight;
import dev.domus.abi.flyweight.GrantEntryV1Flyweight;
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
 * GNTTABOP_copy of one 4 KiB page through the real grant path: Dom0 grants one of its pages
 * (a v1 grant entry permitting domid 0) and copies from that grant reference into another of
 * its pages, so each copy checks and pins the entry, translates both sides and copies through
 * the hypervisor's bounce page. Baseline: a plain 4 KiB copy between two off-heap buffers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GrantCopyBench {

    private static final int REF = 8; // the first refs are reserved for the toolstack, as on Xen

    private HypercallGate gate;
    private long op;
    private UnsafeBuffer from;
    private UnsafeBuffer to;

    @Setup
    public void setUp(HostState host) {
        gate = host.dom0.gate();
        GuestMemory mem = host.dom0.memory();
        long args = host.dom0.pages().allocate(1);
        long source = host.dom0.pages().allocate(1);
        long dest = host.dom0.pages().allocate(1);
        for (int i = 0; i < Xen.PAGE_SIZE; i += 8) {
            mem.putLong(source + i, 0x0101010101010101L * (i & 0xff));
        }
        // Dom0's own grant table: one frame, its PFN returned in frame_list.
        long frameList = args + 512;
        mem.putShort(args + GnttabSetupTableFlyweight.DOM_OFFSET, (short) Xen.DOMID_SELF);
        mem.putInt(args + GnttabSetupTableFlyweight.NR_FRAMES_OFFSET, 1);
        mem.putLong(args + GnttabSetupTableFlyweight.FRAME_LIST_OFFSET, frameList);
        long rc = gate.call(Hypercalls.__HYPERVISOR_grant_table_op, GrantTableOp.GNTTABOP_setup_table, args, 1, 0, 0);
        short status = mem.getShort(args + GnttabSetupTableFlyweight.STATUS_OFFSET);
        if (rc != 0 || status != 0) {
            throw new IllegalStateException("setup_table: rc " + rc + ", status " + status);
        }
        long entry = (mem.getLong(frameList) << Xen.PAGE_SHIFT) + (long) REF * GrantEntryV1Flyweight.LENGTH;
        mem.putInt(entry + GrantEntryV1Flyweight.FRAME_OFFSET, (int) (source >>> Xen.PAGE_SHIFT));
        // flags (u16 @0) and domid (u16 @2) in one store, flags last as a granter must: domid 0
        mem.putIntVolatile(entry + GrantEntryV1Flyweight.FLAGS_OFFSET, GrantTableOp.GTF_permit_access | GrantTableOp.GTF_readonly);

        op = args + 1024;
        mem.putInt(op + SOURCE_U_REF_OFFSET, REF);
        mem.putShort(op + SOURCE_DOMID_OFFSET, (short) Xen.DOMID_SELF);
        mem.putShort(op + SOURCE_OFFSET_OFFSET, (short) 0);
        mem.putLong(op + DEST_U_GMFN_OFFSET, dest >>> Xen.PAGE_SHIFT);
        mem.putShort(op + DEST_DOMID_OFFSET, (short) Xen.DOMID_SELF);
        mem.putShort(op + DEST_OFFSET_OFFSET, (short) 0);
        mem.putShort(op + LEN_OFFSET, (short) Xen.PAGE_SIZE);
        mem.putShort(op + FLAGS_OFFSET, (short) GrantTableOp.GNTCOPY_source_gref);
        rc = copy();
        status = mem.getShort(op + STATUS_OFFSET);
        if (rc != 0 || status != 0 || mem.getLong(dest + 8) != mem.getLong(source + 8)) {
            throw new IllegalStateException("grant copy: rc " + rc + ", status " + status);
        }
        from = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Xen.PAGE_SIZE, 64));
        to = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Xen.PAGE_SIZE, 64));
    }

    @Benchmark
    public long copy() {
        return gate.call(Hypercalls.__HYPERVISOR_grant_table_op, GrantTableOp.GNTTABOP_copy, op, 1, 0, 0);
    }

    @Benchmark
    public UnsafeBuffer copyBaseline() {
        to.putBytes(0, from, 0, Xen.PAGE_SIZE);
        return to;
    }
}
