package dev.domus.abi;

/**
 * The contract a guest kernel implements: what Xen's PV entry point is to a Linux guest.
 *
 * <p>The hypervisor instantiates the kernel class (public, no-argument constructor) inside
 * the domain's own class loader and calls {@link #start} on every vCPU's thread when the
 * domain first boots. After a restore or a live migration it calls {@link #resume} instead,
 * on fresh vCPU threads, with guest memory exactly as it was at suspend. Anything that
 * must survive a save, restore or migration lives in guest memory, not in Java fields.
 *
 * <p>Returning from {@code start} or {@code resume} on vCPU 0 without having called
 * {@code SCHEDOP_shutdown} powers the domain off; other vCPUs simply go offline. An
 * exception that escapes crashes the domain.
 */
public interface GuestKernel {

    /** First boot, once per vCPU (see {@link VcpuContext#vcpuId()}). */
    void start(VcpuContext vcpu) throws Exception;

    /** After restore or migration, once per vCPU; memory is intact, devices must reconnect. */
    default void resume(VcpuContext vcpu) throws Exception {
        start(vcpu);
    }

    /**
     * Called by the SDK at a clean point when the toolstack asks the domain to suspend,
     * before {@code SCHEDOP_shutdown(SHUTDOWN_suspend)}: quiesce devices and write any
     * Java-held state into guest memory.
     */
    default void suspend(VcpuContext vcpu) throws Exception {
    }
}
