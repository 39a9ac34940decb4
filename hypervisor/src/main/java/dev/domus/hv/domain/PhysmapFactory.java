package dev.domus.hv.domain;

/** Creates a domain's memory (wired by the boot package to package {@code mem}'s implementation). */
public interface PhysmapFactory {

    /**
     * A new, empty memory for {@code domid} with room for {@code maxPfn} guest frames and a
     * page limit of {@code maxPages}.
     */
    Physmap create(int domid, long maxPfn, long maxPages);

    /** Frames of machine memory in total. */
    long totalFrames();

    /** Frames not owned by any domain. */
    long freeFrames();

    /** Copy-on-write shared frames (XENMEM_get_sharing_shared_pages). */
    default long sharedFrames() {
        return 0;
    }

    /** Frames saved by sharing (XENMEM_get_sharing_freed_pages). */
    default long sharingFreedPages() {
        return 0;
    }

    /**
     * Raise {@code VIRQ_ENOMEM} to Dom0 whenever free frames fall under {@code frames} (once per
     * fall) and whenever an allocation finds none; 0 keeps only the latter (Xen's
     * low_mem_virq, set by Dom0's pager here instead of at boot).
     */
    default void lowMemoryThreshold(long frames) {
    }
}
