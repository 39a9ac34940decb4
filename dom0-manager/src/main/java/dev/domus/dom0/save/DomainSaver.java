package dev.domus.dom0.save;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.dom0.overcommit.MemoryOps;
import dev.domus.dom0.overcommit.PageTypes;
import dev.domus.hv.boot.Dom0;

/**
 * Writes a suspended domain's image through Dom0's foreign mappings: DOMUS_DOMAIN_INFO,
 * DOMUS_CONFIG, DOMUS_XENSTORE, X86_PV_VCPU_BASIC per vCPU, SHARED_INFO, PAGE_DATA batches
 * (zero pages and ballooned or unmappable PFNs recorded as such, with no data; paged-out pages
 * with their data read from the domain's paging file, without paging them in, so a save of an
 * overcommitted host does not grow its memory), END; then fsync. On
 * any failure the partial file is deleted and the exception says why; the caller resumes
 * the domain.
 */
public final class DomainSaver {

    private static final int PAGE = Xen.PAGE_SIZE;
    /** A page type of our own (outside the P2M's): this PFN's data came from the paging file. */
    private static final int PAGE_FROM_FILE = -1;
    private final Dom0 dom0;

    public DomainSaver(Dom0 dom0) {
        this.dom0 = dom0;
    }

    /** Told after each batch of pages (for a progress display). */
    @FunctionalInterface
    public interface Progress {
        void pages(long done, long total, long bytes);
    }

    /** What a save wrote. */
    public record Result(long bytes, long normalPages, long zeroPages, long absentPages, long pagedPages, long nanos) {
        public double mibPerSecond() {
            return nanos == 0 ? 0 : bytes / 1048576.0 / (nanos / 1e9);
        }
    }

    /**
     * Saves {@code domid} (which must be suspended or paused) to the new file {@code file}.
     *
     * @param vcpus {vcpu_id, online 0/1, cpu time ns} per vCPU
     */
    public Result save(int domid, SavedDomainInfo info, String configSource, String configText,
                       Map<String, String> xenstore, long[][] vcpus, Path file) throws ImageException {
        return save(domid, info, configSource, configText, xenstore, vcpus, file, (d, t, b) -> { });
    }

    /** As above, telling {@code progress} as pages go out. */
    public Result save(int domid, SavedDomainInfo info, String configSource, String configText,
                       Map<String, String> xenstore, long[][] vcpus, Path file, Progress progress) throws ImageException {
        long t0 = System.nanoTime();
        try (ImageWriter w = new ImageWriter(file); GuestPageIo io = new GuestPageIo(dom0); MemoryOps ops = new MemoryOps(dom0)) {
            w.domainInfo(info);
            if (configText != null) {
                w.config(configSource == null ? "" : configSource, configText);
            }
            w.xenstore(xenstore);
            for (long[] v : vcpus) {
                w.vcpu((int) v[0], v[1] != 0, v[2]);
            }
            long[] pfns = new long[GuestPageIo.BATCH];
            int[] err = new int[GuestPageIo.BATCH];
            byte[] page = new byte[PAGE];
            long sharedInfoPfn = info.specialPfns().length > 1 ? info.specialPfns()[1] : -1;
            if (sharedInfoPfn >= 0) {
                pfns[0] = sharedInfoPfn;
                if (io.mapReadOnly(domid, pfns, 1, err) == 1) {
                    io.read(0, page, 0);
                    w.record(ImageFormat.REC_TYPE_SHARED_INFO, page);
                }
                io.unmapAll();
            }
            PageBatch batch = new PageBatch();
            int[] types = new int[GuestPageIo.BATCH];
            byte[] pagedData = new byte[GuestPageIo.BATCH * PAGE];
            long[] toMap = new long[GuestPageIo.BATCH];
            long paged = 0;
            for (long first = 0; first < info.nrPages(); first += GuestPageIo.BATCH) {
                int n = (int) Math.min(GuestPageIo.BATCH, info.nrPages() - first);
                long trc = ops.pageTypes(domid, first, n, types);
                if (trc < 0) {
                    throw new ImageException("reading the page types of domain " + domid + " failed: XEN error " + (-trc));
                }
                // Paged-out pages come from the paging file, ballooned ones are recorded as absent:
                // neither is mapped, because a mapping would page it in (host memory would grow).
                int m = 0;
                for (int i = 0; i < n; i++) {
                    if (types[i] == PageTypes.PAGED) {
                        long rc = ops.readPagedOut(domid, first + i, pagedData, i * PAGE);
                        if (rc == 0) {
                            types[i] = PAGE_FROM_FILE;
                            continue;
                        }
                        if (rc != -XenErrno.XEN_EINVAL) { // EINVAL: paged in meanwhile, map it
                            throw new ImageException("paged-out page " + (first + i) + " of domain " + domid
                                    + " cannot be read from its paging file: XEN error " + (-rc));
                        }
                    }
                    if (types[i] != PageTypes.BALLOONED) {
                        toMap[m++] = first + i;
                    }
                }
                long rc = m == 0 ? 0 : io.mapReadOnly(domid, toMap, m, err);
                if (rc < 0) {
                    throw new ImageException("mapping pages " + first + ".." + (first + n - 1) + " of domain " + domid
                            + " failed: XEN error " + (-rc));
                }
                int slot = 0;
                for (int i = 0; i < n; i++) {
                    if (batch.full()) {
                        batch.writeTo(w);
                    }
                    long pfn = first + i;
                    if (types[i] == PAGE_FROM_FILE) {
                        batch.page(pfn, pagedData, i * PAGE);
                        paged++;
                    } else if (slot < m && toMap[slot] == pfn) {
                        int e = err[slot];
                        if (e == 0) {
                            batch.read(io, slot, pfn);
                        } else if (e == -XenErrno.XEN_EINVAL) {
                            batch.absent(pfn);
                        } else {
                            throw new ImageException("page " + pfn + " of domain " + domid
                                    + " cannot be mapped: XEN error " + (-e));
                        }
                        slot++;
                    } else {
                        batch.absent(pfn); // ballooned
                    }
                }
                // no unmapAll: the next batch's map replaces these mappings in its one hypercall
                progress.pages(first + n, info.nrPages(), w.bytes());
            }
            batch.writeTo(w);
            w.finish();
            return new Result(w.bytes(), batch.normalPages(), batch.zeroPages(), batch.absentPages(), paged,
                    System.nanoTime() - t0);
        } catch (IOException e) {
            throw new ImageException("cannot write " + file + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
    }
}
