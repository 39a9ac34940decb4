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
}
