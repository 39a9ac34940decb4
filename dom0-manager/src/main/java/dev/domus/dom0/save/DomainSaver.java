package dev.domus.dom0.save;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.hv.boot.Dom0;

/**
 * Writes a suspended domain's image through Dom0's foreign mappings: DOMUS_DOMAIN_INFO,
 * DOMUS_CONFIG, DOMUS_XENSTORE, X86_PV_VCPU_BASIC per vCPU, SHARED_INFO, PAGE_DATA batches
 * (zero pages and unmappable, i.e. ballooned, PFNs recorded as such), END; then fsync. On
 * any failure the partial file is deleted and the exception says why; the caller resumes
 * the domain.
 */
public final class DomainSaver {

    private static final int PAGE = Xen.PAGE_SIZE;
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
    public record Result(long bytes, long normalPages, long zeroPages, long absentPages, long nanos) {
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
        try (ImageWriter w = new ImageWriter(file); GuestPageIo io = new GuestPageIo(dom0)) {
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
            for (long first = 0; first < info.nrPages(); first += GuestPageIo.BATCH) {
                int n = (int) Math.min(GuestPageIo.BATCH, info.nrPages() - first);
                for (int i = 0; i < n; i++) {
                    pfns[i] = first + i;
                }
                long rc = io.mapReadOnly(domid, pfns, n, err);
                if (rc < 0) {
                    throw new ImageException("mapping pages " + first + ".." + (first + n - 1) + " of domain " + domid
                            + " failed: XEN error " + (-rc));
                }
                for (int i = 0; i < n; i++) {
                    if (batch.full()) {
                        batch.writeTo(w);
                    }
                    if (err[i] == 0) {
                        io.read(i, page, 0);
                        batch.page(first + i, page, 0);
                    } else if (err[i] == -XenErrno.XEN_EINVAL) {
                        batch.absent(first + i);
                    } else {
                        throw new ImageException("page " + (first + i) + " of domain " + domid
                                + " cannot be mapped: XEN error " + (-err[i]));
                    }
                }
                io.unmapAll();
                progress.pages(first + n, info.nrPages(), w.bytes());
            }
            batch.writeTo(w);
            w.finish();
            return new Result(w.bytes(), batch.normalPages(), batch.zeroPages(), batch.absentPages(),
                    System.nanoTime() - t0);
        } catch (IOException e) {
            throw new ImageException("cannot write " + file + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
    }
}
