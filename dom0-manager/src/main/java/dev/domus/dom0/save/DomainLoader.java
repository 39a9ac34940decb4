package dev.domus.dom0.save;

import java.nio.file.Path;

import dev.domus.abi.Xen;
import dev.domus.hv.boot.Dom0;

/**
 * Loads an image's pages into a freshly built, paused domain through Dom0's foreign
 * mappings. The special frames (start_info, shared_info, the xenstore and console rings)
 * are left as the new build made them: they carry this host's event channels. Zero pages
 * are zeroed; absent (ballooned) PFNs are given back with {@code XENMEM_decrease_reservation}.
 * The image is checked again while it loads; any fault is an {@link ImageException} and the
 * caller destroys the half-loaded domain.
 */
public final class DomainLoader {

    private static final int PAGE = Xen.PAGE_SIZE;
    private final Dom0 dom0;

    public DomainLoader(Dom0 dom0) {
        this.dom0 = dom0;
    }

    /** Loads {@code image} into {@code domid}; returns the image as read. */
    public SavedImage load(Path image, int domid, SavedDomainInfo expected) throws ImageException {
        try (GuestPageIo io = new GuestPageIo(dom0)) {
            Batch b = new Batch(io, domid, expected);
            SavedImage img = ImageReader.read(image, b::page);
            b.flush();
            return img;
        }
    }

    /** Pages collected until a mapping batch is full. */
    private static final class Batch {
        private final GuestPageIo io;
        private final int domid;
        private final SavedDomainInfo info;
        private final long[] pfns = new long[GuestPageIo.BATCH];
        private final long[] types = new long[GuestPageIo.BATCH];
        private final byte[] data = new byte[GuestPageIo.BATCH * PAGE];
        private final int[] err = new int[GuestPageIo.BATCH];
        private int n;

        Batch(GuestPageIo io, int domid, SavedDomainInfo info) {
            this.io = io;
            this.domid = domid;
            this.info = info;
        }

        void page(long pfn, long type, byte[] src, int off) throws ImageException {
            if (info.isSpecial(pfn)) {
                return;
            }
            if (type == ImageFormat.PAGE_ABSENT) {
                long rc = io.release(domid, pfn);
                if (rc != 1) {
                    throw new ImageException("giving back absent pfn " + pfn + " failed: " + rc);
                }
                return;
            }
            pfns[n] = pfn;
            types[n] = type;
            if (type == ImageFormat.PAGE_NORMAL) {
                System.arraycopy(src, off, data, n * PAGE, PAGE);
            }
            if (++n == GuestPageIo.BATCH) {
                flush();
            }
        }

        void flush() throws ImageException {
            if (n == 0) {
                return;
            }
            long rc = io.map(domid, pfns, n, err);
            try {
                if (rc != n) {
                    throw new ImageException("mapping " + n + " pages of the new domain " + domid + " failed ("
                            + rc + " mapped): is the image's memory size larger than the domain's?");
                }
                for (int i = 0; i < n; i++) {
                    if (types[i] == ImageFormat.PAGE_NORMAL) {
                        io.write(i, data, i * PAGE);
                    } else {
                        io.zero(i);
                    }
                }
            } finally {
                io.unmapAll();
                n = 0;
            }
        }
    }
}
