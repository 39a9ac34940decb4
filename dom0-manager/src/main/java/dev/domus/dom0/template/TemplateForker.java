package dev.domus.dom0.template;

import java.util.TreeSet;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.XenErrno;
import dev.domus.dom0.overcommit.MemoryOps;
import dev.domus.dom0.overcommit.PageTypes;
import dev.domus.dom0.save.GuestPageIo;
import dev.domus.hv.boot.Dom0;

/**
 * Gives a freshly built, paused domain a template domain's memory copy-on-write: for each run
 * of PFNs between the special frames (start_info, shared_info, the xenstore and console rings,
 * which the new build made with its own event channels) one {@code XENMEM_sharing_op_range_share}
 * makes the child's pages map the template's frames. Then it reads every page type back
 * (getpageframeinfo3): a page the hypervisor could not share (the template's page was paged
 * out, or another domain maps it) is copied through Dom0's foreign mappings instead, and a PFN
 * the template gave back (ballooned) is given back in the child too. So the child always holds
 * the template's memory, shared where possible.
 */
public final class TemplateForker {

    /** Retries of a range the hypervisor answers EAGAIN (the template domain never runs: rare). */
    private static final int MAX_RETRIES = 1000;

    private final Dom0 dom0;

    public TemplateForker(Dom0 dom0) {
        this.dom0 = dom0;
    }

    /**
     * What a fork did.
     *
     * @param sharedPages pages of the child that map a template frame
     * @param copiedPages pages copied because they could not be shared
     * @param absentPages PFNs given back because the template has none there
     */
    public record Result(long sharedPages, long copiedPages, long absentPages) {
    }

    /**
     * Forks PFNs {@code 0..nrPages-1} of {@code template} into {@code child}, leaving the
     * {@code special} PFNs as the child's build made them.
     */
    public Result fork(int template, int child, long nrPages, TreeSet<Long> special) throws TemplateException {
        long from = 0;
        for (long s : special) {
            if (s >= from && s < nrPages) {
                if (s > from) {
                    rangeShare(template, child, from, s - 1);
                }
                from = s + 1;
            }
        }
        if (from < nrPages) {
            rangeShare(template, child, from, nrPages - 1);
        }
        return verifyAndCopy(template, child, nrPages, special);
    }

    private void rangeShare(int source, int client, long first, long last) throws TemplateException {
        GuestMemory mem = dom0.memory();
        HypercallGate gate = dom0.gate();
        long op = dom0.pages().allocate(1);
        try {
            for (int attempt = 0; ; attempt++) {
                // struct xen_mem_sharing_op with u.range: first_gfn @8, last_gfn @16, opaque @24, client_domain @32
                mem.setMemory(op, 48, (byte) 0);
                mem.putByte(op, (byte) MemoryOp.XENMEM_sharing_op_range_share);
                mem.putShort(op + 2, (short) source);
                mem.putLong(op + 8, first);
                mem.putLong(op + 16, last);
                mem.putShort(op + 32, (short) client);
                long rc = gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_sharing_op, op);
                if (rc == 0) {
                    return;
                }
                if (rc != -XenErrno.XEN_EAGAIN || attempt == MAX_RETRIES) {
                    throw new TemplateException("sharing PFNs " + first + "-" + last + " of template domain " + source
                            + " with domain " + client + " failed: " + errnoName(rc));
                }
                Thread.onSpinWait();
            }
        } finally {
            dom0.pages().free(op, 1);
        }
    }

    private static String errnoName(long rc) {
        return switch ((int) -rc) {
            case XenErrno.XEN_EAGAIN -> "XEN_EAGAIN (the template domain kept running)";
            case XenErrno.XEN_ENOMEM -> "XEN_ENOMEM (the domain's maximum reservation is too small)";
            case XenErrno.XEN_EINVAL -> "XEN_EINVAL";
            case XenErrno.XEN_ESRCH -> "XEN_ESRCH (a domain is gone or dying)";
            default -> "error " + rc;
        };
    }

    private Result verifyAndCopy(int template, int child, long nrPages, TreeSet<Long> special) throws TemplateException {
        long shared = 0;
        long copied = 0;
        long absent = 0;
        int[] childTypes = new int[MemoryOps.TYPE_BATCH];
        int[] templateTypes = new int[MemoryOps.TYPE_BATCH];
        long[] pfns = new long[GuestPageIo.BATCH];
        int n = 0;
        try (MemoryOps ops = new MemoryOps(dom0); GuestPageIo src = new GuestPageIo(dom0);
             GuestPageIo dst = new GuestPageIo(dom0)) {
            for (long first = 0; first < nrPages; first += MemoryOps.TYPE_BATCH) {
                int count = (int) Math.min(MemoryOps.TYPE_BATCH, nrPages - first);
                if (ops.pageTypes(child, first, count, childTypes) < 0
                        || ops.pageTypes(template, first, count, templateTypes) < 0) {
                    throw new TemplateException("cannot read the page types of domain " + child + " or template domain "
                            + template);
                }
                for (int i = 0; i < count; i++) {
                    long pfn = first + i;
                    if (special.contains(pfn)) {
                        continue;
                    }
                    if (childTypes[i] == PageTypes.SHARED) {
                        shared++;
                    } else if (templateTypes[i] == PageTypes.BALLOONED || templateTypes[i] == 0) {
                        if (childTypes[i] != PageTypes.BALLOONED && childTypes[i] != 0) {
                            if (src.release(child, pfn) != 1) {
                                throw new TemplateException("giving back PFN " + pfn + " of domain " + child + " failed");
                            }
                        }
                        absent++;
                    } else {
                        pfns[n++] = pfn;
                        if (n == pfns.length) {
                            copy(src, dst, template, child, pfns, n);
                            copied += n;
                            n = 0;
                        }
                    }
                }
            }
            if (n > 0) {
                copy(src, dst, template, child, pfns, n);
                copied += n;
            }
        }
        return new Result(shared, copied, absent);
    }

    /** Copies pages the hypervisor could not share, through a read-only and a writable foreign map. */
    private static void copy(GuestPageIo src, GuestPageIo dst, int template, int child, long[] pfns, int n)
            throws TemplateException {
        int[] err = new int[n];
        byte[] page = new byte[dev.domus.abi.Xen.PAGE_SIZE];
        try {
            if (src.mapReadOnly(template, pfns, n, err) != n) {
                throw new TemplateException("cannot map " + n + " pages of template domain " + template + " to copy them");
            }
            if (dst.map(child, pfns, n, err) != n) {
                throw new TemplateException("cannot map " + n + " pages of domain " + child + " to copy the template in");
            }
            for (int i = 0; i < n; i++) {
                src.read(i, page, 0);
                dst.write(i, page, 0);
            }
        } finally {
            src.unmapAll();
            dst.unmapAll();
        }
    }
}
