package dev.domus.hv.domain;

import dev.domus.abi.GuestMemory;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * What the core needs from a domain's memory: the seam between domains and hypercalls
 * (here) and machine memory, frames and the P2M (package {@code mem}, {@code p2m}). Every
 * method is safe to call from any hypervisor thread and none throws on bad guest input: they
 * return {@code 0} or a negated {@code XEN_E*} value.
 */
public interface Physmap {

    /** A view of the domain's memory usable from any thread (hypervisor side: events, rings). */
    GuestMemory memory();

    /** A view for one vCPU's thread (may cache translations; use only from that thread). */
    GuestMemory vcpuView(int vcpu);

    /** Copies guest bytes into hypervisor memory once: 0 or {@code -XEN_EFAULT}. */
    int copyFromGuest(long gpa, MutableDirectBuffer dst, int dstOffset, int length);

    /** Copies hypervisor bytes into guest memory once: 0 or {@code -XEN_EFAULT}. */
    int copyToGuest(long gpa, DirectBuffer src, int srcOffset, int length);

    /** Backs {@code pfn} with a fresh zeroed frame: 0, {@code -XEN_ENOMEM}, {@code -XEN_EINVAL}, {@code -XEN_EEXIST}. */
    int populate(long pfn);

    /** Gives the frame behind {@code pfn} back (balloon out): 0 or {@code -XEN_EINVAL}. */
    int release(long pfn);

    /** Pages currently backed by frames this domain owns (tot_pages). */
    long currentPages();

    /** The domain's page limit (max_pages). */
    long maxPages();

    /** Sets the page limit; fails with {@code -XEN_EINVAL} below current use... (Xen allows it). */
    int setMaxPages(long pages);

    /** Highest PFN + 1 this domain may use. */
    long maxPfn();

    /**
     * Maps {@code source}'s frame at {@code sourcePfn} at this domain's {@code pfn} (Dom0's
     * foreign mapping). The frame's reference is held while mapped. 0 or {@code -XEN_E*}.
     */
    int mapForeign(long pfn, Physmap source, long sourcePfn);

    /**
     * As {@link #mapForeign}, read-only ({@code XENMAPSPACE_domus_gmfn_foreign_ro}): the mapper
     * cannot write the frame, so the owner's log-dirty bitmap is not touched (live migration
     * reads pages this way while tracking the guest's own writes).
     */
    default int mapForeignReadOnly(long pfn, Physmap source, long sourcePfn) {
        return -dev.domus.abi.XenErrno.XEN_EOPNOTSUPP;
    }

    /** Removes a foreign mapping at {@code pfn}: 0 or {@code -XEN_EINVAL}. */
    int unmapForeign(long pfn);

    /** Log-dirty mode for save and migration (XEN_DOMCTL_SHADOW_OP_*). */
    int enableLogDirty();

    int disableLogDirty();

    /**
     * Copies the dirty bitmap (one bit per PFN, from PFN 0) into {@code bitmap} for up to
     * {@code pages} PFNs and, if {@code clean}, clears it. Returns the number of dirty pages
     * reported, or {@code -XEN_E*}.
     */
    long peekDirty(byte[] bitmap, long pages, boolean clean);

    /**
     * The domain is being destroyed: threads waiting on its memory (a vCPU waiting for the
     * pager to bring a page in) stop waiting, so the core can join the vCPU threads.
     */
    default void abortWaits() {
    }

    /** The vCPU passed a quiescent point (hypercall entry, safepoint). */
    default void quiesce(int vcpu) {
    }

    /** The vCPU stops touching memory for a while (blocked, paused, descheduled). */
    default void offline(int vcpu) {
    }

    /**
     * The calling thread's own view behind {@link #memory()} (created on first use), for the
     * argument copies of hypercalls made on a thread that is not a vCPU (Dom0's threads). Its
     * user takes it {@linkplain dev.domus.hv.mem.GuestMemoryView#offline() offline} when the
     * hypercall ends. Null for a physmap that has none (copies then use {@link #copyFromGuest}).
     */
    default dev.domus.hv.mem.GuestMemoryView threadView() {
        return null;
    }

    /**
     * The memory manager behind this physmap (package {@code mem}), for the grant tables, which
     * map frames between domains; null for a physmap that has none.
     */
    default dev.domus.hv.mem.DomainMemory domainMemory() {
        return null;
    }

    /** Releases every frame. Afterwards every access faults. */
    void destroy();
}
