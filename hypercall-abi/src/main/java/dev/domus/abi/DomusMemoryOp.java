package dev.domus.abi;

/**
 * The Domus extension to {@code XENMEM_add_to_physmap_batch}'s map spaces: a read-only
 * foreign mapping. Xen's PV Dom0 maps a guest's pages read-only with its own page tables
 * ({@code PROT_READ}); Domus's Dom0 maps them into its P2M, where {@code XENMAPSPACE_gmfn_foreign}
 * is writable and so counts every mapped page as dirtied (the mapper might write it). Save
 * and live migration read pages while log-dirty tracks the guest's own writes, so they need a
 * mapping that cannot write: {@link #XENMAPSPACE_domus_gmfn_foreign_ro}, a space number Xen
 * 4.17's {@code memory.h} leaves unassigned (it assigns 0 to 5).
 *
 * <p>Same struct and rules as {@code XENMAPSPACE_gmfn_foreign} ({@code u.foreign_domid} names
 * the owner; Dom0 only, {@code -XEN_EPERM} otherwise; per-entry status in {@code errs});
 * the mapped frame is readable by Dom0 and a write to it faults. Removed with
 * {@code XENMEM_remove_from_physmap}.
 */
public final class DomusMemoryOp {

    private DomusMemoryOp() {
    }

    /** Read-only foreign map space (Domus extension, unassigned in Xen 4.17). */
    public static final int XENMAPSPACE_domus_gmfn_foreign_ro = 0x0f00;

    /**
     * {@code XENMEM_paging_op} sub-op (Domus extension; Xen 4.17 assigns 0 to 2): copies a
     * paged-out page of {@code domain} from its paging file into the caller's {@code buffer}
     * (4096 bytes) without paging it in, so a save carries it while host memory stays as it is.
     * Dom0 only; {@code -XEN_EINVAL} if the page is not paged out, {@code -XEN_EIO} if the
     * paging file cannot be read, {@code -XEN_EFAULT} for a bad buffer.
     */
    public static final int XENMEM_paging_op_domus_read = 0xf0;

    /**
     * {@code XENMEM_paging_op} sub-op (Domus extension; Xen 4.17 assigns 0 to 2): marks the
     * never-populated (or ballooned) PFNs {@code gfn .. gfn + buffer - 1} of {@code domain}
     * paged out with their content held by the pager (a lazy restore: Dom0 holds the pages in
     * the save image). {@code buffer} carries the number of pages, not an address. No frame is
     * allocated; a guest touch posts a {@code VM_EVENT_REASON_MEM_PAGING} request on the paging
     * ring and waits for {@code XENMEM_paging_op_prep}. Dom0 only; needs the paging ring
     * enabled ({@code -XEN_EINVAL} otherwise, or for a range outside the domain's space);
     * {@code -XEN_EEXIST} if a PFN of the range holds memory (nothing is changed);
     * {@code -XEN_ENOMEM} beyond the domain's max_pages. Returns the number of pages marked.
     */
    public static final int XENMEM_paging_op_domus_populate_paged = 0xf1;

    /**
     * {@code XENMEM_acquire_resource} type (Domus extension; Xen 4.17 assigns 0 to 2): the frame
     * of {@code domid}'s VM event ring ({@code id} = {@code XEN_DOMCTL_VM_EVENT_OP_PAGING}, one
     * frame), mapped at the caller's gfn in {@code frame_list}, as Xen maps ioreq server pages.
     * The ring is not in the guest's physmap, so the guest cannot touch it. Dom0 only.
     */
    public static final int XENMEM_resource_domus_vm_event = 0x0f00;

    /**
     * {@code XENMEM_paging_op} sub-op (Domus extension): nominates many pages of {@code domain}
     * at once, as {@code XENMEM_paging_op_nominate} does one, under one lock and one revocation.
     * IN {@code gfn}: the number of entries {@code nr} (1 to {@link #DOMUS_PAGING_BATCH_MAX});
     * IN/OUT {@code buffer}: {@code nr} 64-bit entries, each a gfn on entry and that page's
     * result (0 or a negated Xen error) on return. Returns the number nominated. Dom0 only;
     * {@code -XEN_EINVAL} for a bad {@code nr}, {@code -XEN_EFAULT} for a bad buffer.
     */
    public static final int XENMEM_paging_op_domus_nominate_batch = 0xf2;

    /**
     * {@code XENMEM_paging_op} sub-op (Domus extension): evicts many nominated pages at once, as
     * {@code XENMEM_paging_op_evict} does one; same {@code gfn}/{@code buffer} convention as
     * {@link #XENMEM_paging_op_domus_nominate_batch}. Per entry: 0, {@code -XEN_EBUSY} (written
     * since its nomination), {@code -XEN_EAGAIN} (a vCPU has not passed a quiescent point yet:
     * retry), {@code -XEN_EIO} (the paging file cannot take it; later entries are left
     * {@code -XEN_EAGAIN}). Returns the number evicted.
     */
    public static final int XENMEM_paging_op_domus_evict_batch = 0xf3;

    /**
     * {@code XENMEM_paging_op} sub-op (Domus extension): reads and clears the accessed bits of
     * {@link #DOMUS_ACCESSED_PFNS} PFNs of {@code domain} from {@code gfn} (a multiple of 64)
     * into {@code buffer} (4096 bytes, bit {@code pfn % 64} of 64-bit word
     * {@code (pfn - gfn) / 64}). The hypervisor sets a page's bit whenever a vCPU establishes a
     * translation for it; clearing drops the vCPUs' cached translations (as log-dirty CLEAN
     * does), so the next touch sets the bit again. Returns the number of bits that were set.
     * Dom0 only; {@code -XEN_EINVAL} for a misaligned {@code gfn}.
     */
    public static final int XENMEM_paging_op_domus_accessed = 0xf4;

    /**
     * {@code XENMEM_paging_op} sub-op (Domus extension): sets the low-memory threshold, in
     * frames, carried in {@code gfn} ({@code domain} is ignored; 0 turns it off): the hypervisor
     * raises {@code VIRQ_ENOMEM} to Dom0 whenever free frames fall under it (once per fall), and
     * whenever an allocation finds no free frame (a vCPU then waits for one). Xen sets its
     * low_mem_virq threshold at boot; Domus lets the pager set it to its low watermark. Dom0
     * only; {@code -XEN_EINVAL} for a negative threshold.
     */
    public static final int XENMEM_paging_op_domus_low_mem = 0xf5;

    /** Entries per {@code XENMEM_paging_op_domus_*_batch} call at most. */
    public static final int DOMUS_PAGING_BATCH_MAX = 512;

    /** PFNs one {@code XENMEM_paging_op_domus_accessed} call covers (one 4096-byte bitmap). */
    public static final int DOMUS_ACCESSED_PFNS = 4096 * 8;
}
