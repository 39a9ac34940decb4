package dev.domus.dom0.save;

import java.nio.file.Path;

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

    private final Dom0 dom0;

    public DomainLoader(Dom0 dom0) {
        this.dom0 = dom0;
    }

    /** Loads {@code image} into {@code domid}; returns the image as read. */
    public SavedImage load(Path image, int domid, SavedDomainInfo expected) throws ImageException {
        return load(image, domid, expected, (d, t, b) -> { });
    }

    /** As above, telling {@code progress} every 256 pages (bytes: the page data loaded). */
    public SavedImage load(Path image, int domid, SavedDomainInfo expected, DomainSaver.Progress progress)
            throws ImageException {
        try (GuestPageIo io = new GuestPageIo(dom0)) {
            PageLoader b = new PageLoader(io, domid, expected, false);
            long[] pages = {0};
            SavedImage img = ImageReader.read(image, (pfn, type, data, off) -> {
                b.page(pfn, type, data, off);
                if ((++pages[0] & 255) == 0 || pages[0] == expected.nrPages()) {
                    progress.pages(pages[0], expected.nrPages(), pages[0] * 4096);
                }
            });
            b.flush();
            return img;
        }
    }
}
