package dev.domus.abi;

/**
 * What a vCPU is handed when the hypervisor starts it: the registers a Xen PV kernel finds
 * at its entry point, as Java values.
 *
 * <p>The gate and the memory are the domain's own; there is no way to reach another
 * domain's. {@link #startInfoAddress()} is the guest-physical address of the domain's
 * {@code start_info} page (Xen's {@code %rsi} at entry), which names the shared_info page,
 * the xenstore and console rings and their event channels, and the command line.
 */
public interface VcpuContext {

    /** This vCPU's index within the domain, from 0. */
    int vcpuId();

    /** How many vCPUs the domain was created with. */
    int vcpuCount();

    /** The domain's hypercall gate. */
    HypercallGate gate();

    /** The domain's guest-physical memory. */
    GuestMemory memory();

    /** Guest-physical address of the {@code start_info} page. */
    long startInfoAddress();

    /** True when this run follows a restore or migration rather than a first boot. */
    boolean resumed();

    /**
     * This vCPU's time-stamp counter, as {@code rdtsc} reads it on a Xen PV guest: a
     * monotonic count the guest turns into system time with its {@code vcpu_time_info}
     * ({@code system_time + ((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul >> 32}).
     * Without it a guest's time would only move when the hypervisor republishes it, and a
     * deadline computed from a stale time can be in the past already.
     */
    long readTsc();
}
