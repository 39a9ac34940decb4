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
}
