package dev.domus.dom0.template;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;

import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.dom0.overcommit.MemoryOps;
import dev.domus.dom0.overcommit.PageTypes;
import dev.domus.dom0.save.GuestPageIo;
import dev.domus.examples.memcheck.MemCheck;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.Dom0;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TemplateForker} and {@code XENMEM_sharing_op_range_share} through Dom0's hypercall gate,
 * on a real host with two paused domains (no guest code runs): shared pages, the copy fallback for
 * a page the template has paged out, a ballooned template page, and the op's refusals.
 */
class TemplateForkerTest {

    private static final int PAGE = Xen.PAGE_SIZE;
    private static final int PAGES = 256; // 1 MiB domains

    @TempDir
    Path tmp;

    private final Host host = Host.start(HostConfig.defaults().withMemory(32L << 20).withPcpus(1).withDom0Memory(8L << 20));
    private final Dom0 dom0 = host.dom0();

    @AfterEach
    void close() {
        host.close();
    }

    private BuiltDomain build() throws Exception {
        return new DomainBuilder(dom0).build(DomainSpec.of(MemCheck.class.getName(), PAGES * 4, 1).paused(true));
    }

    private static byte[] pattern(long pfn) {
        byte[] b = new byte[PAGE];
        Arrays.fill(b, (byte) (pfn * 7 + 1));
        return b;
    }

    private void write(GuestPageIo io, int domid, long first, int n) {
        long[] pfns = new long[n];
        for (int i = 0; i < n; i++) {
            pfns[i] = first + i;
        }
        int[] err = new int[n];
        assertEquals(n, io.map(domid, pfns, n, err));
        for (int i = 0; i < n; i++) {
            io.write(i, pattern(first + i), 0);
        }
        io.unmapAll();
    }

    private byte[] read(GuestPageIo io, int domid, long pfn) {
        int[] err = new int[1];
        assertEquals(1, io.mapReadOnly(domid, new long[] {pfn}, 1, err));
        byte[] b = new byte[PAGE];
        io.read(0, b, 0);
        io.unmapAll();
        return b;
    }

    private TreeSet<Long> special(BuiltDomain d) {
        return new TreeSet<>(java.util.List.of(d.startInfoPfn(), d.sharedInfoPfn(), d.storePfn(), d.consolePfn()));
    }

    @Test
    void theChildSharesWhatCanBeSharedAndGetsCopiesOfTheRest() throws Exception {
        host.pagingDirectory(tmp.resolve("paging"));
        BuiltDomain parent = build();
        BuiltDomain child = build();
        int p = parent.domid();
        int c = child.domid();
        try (GuestPageIo io = new GuestPageIo(dom0); MemoryOps ops = new MemoryOps(dom0)) {
            write(io, p, 4, PAGES - 4);
            assertEquals(0, ops.nominatePageOut(p, 10));
            assertEquals(0, ops.evict(p, 10)); // paged out: the hypervisor will not share it
            assertEquals(1, io.release(p, 20)); // ballooned in the template

            TemplateForker.Result r = new TemplateForker(dom0).fork(p, c, PAGES, special(child));
            assertEquals(PAGES - 4 - 2, r.sharedPages());
            assertEquals(1, r.copiedPages());
            assertEquals(1, r.absentPages());

            int[] types = new int[PAGES];
            assertEquals(0, ops.pageTypes(c, 0, PAGES, types));
            assertEquals(PageTypes.RW, types[10], "copied, not shared");
            assertEquals(PageTypes.BALLOONED, types[20], "given back like the template's");
            assertEquals(PageTypes.SHARED, types[11]);
            assertEquals(PageTypes.RW, types[(int) child.storePfn()], "the child's own ring page is left alone");
            assertArrayEquals(pattern(10), read(io, c, 10));
            assertArrayEquals(pattern(200), read(io, c, 200));
            assertEquals(PAGES - 1, ops.domainPages(c).totPages());
            assertTrue(ops.sharingFreedPages() >= PAGES - 6);
        }
    }

    private long rangeShare(int source, long first, long last, long opaque, int client, int pad) {
        long op = dom0.pages().allocate(1);
        try {
            var mem = dom0.memory();
            mem.setMemory(op, 48, (byte) 0);
            mem.putByte(op, (byte) MemoryOp.XENMEM_sharing_op_range_share);
            mem.putShort(op + 2, (short) source);
            mem.putLong(op + 8, first);
            mem.putLong(op + 16, last);
            mem.putLong(op + 24, opaque);
            mem.putShort(op + 32, (short) client);
            mem.putShort(op + 36, (short) pad);
            return dom0.gate().call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_sharing_op, op);
        } finally {
            dom0.pages().free(op, 1);
        }
    }

    @Test
    void badRangeShareRequestsAreRefusedAndShareNothing() throws Exception {
        BuiltDomain parent = build();
        BuiltDomain child = build();
        int p = parent.domid();
        int c = child.domid();
        long sharedBefore = host.dom0().gate().call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_get_sharing_shared_pages, 0);
        assertEquals(-XenErrno.XEN_EINVAL, rangeShare(p, 4, 10, 0, c, 1), "_pad must be zero");
        assertEquals(-XenErrno.XEN_EINVAL, rangeShare(p, 4, 10, 11, c, 0), "opaque outside the range");
        assertEquals(-XenErrno.XEN_EINVAL, rangeShare(p, 10, 4, 0, c, 0), "first after last");
        assertEquals(-XenErrno.XEN_EINVAL, rangeShare(p, 4, 1L << 20, 0, c, 0), "beyond the domains");
        assertEquals(-XenErrno.XEN_EINVAL, rangeShare(p, 4, 10, 0, p, 0), "a domain with itself");
        assertEquals(-XenErrno.XEN_EINVAL, rangeShare(p, 4, 10, 0, 0, 0), "Dom0's pages");
        assertEquals(-XenErrno.XEN_ESRCH, rangeShare(p, 4, 10, 0, 999, 0));
        assertEquals(-XenErrno.XEN_ESRCH, rangeShare(999, 4, 10, 0, c, 0));
        assertEquals(sharedBefore, host.dom0().gate().call(Hypercalls.__HYPERVISOR_memory_op,
                MemoryOp.XENMEM_get_sharing_shared_pages, 0), "nothing was shared");
        assertEquals(0, rangeShare(p, 4, 10, 8, c, 0), "a continuation from opaque");
        try (MemoryOps ops = new MemoryOps(dom0)) {
            int[] types = new int[11];
            assertEquals(0, ops.pageTypes(c, 0, 11, types));
            assertEquals(PageTypes.RW, types[7], "before opaque: untouched");
            assertEquals(PageTypes.SHARED, types[8]);
            assertEquals(PageTypes.SHARED, types[10]);
        }
    }
}
