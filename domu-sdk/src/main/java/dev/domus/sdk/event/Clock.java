package dev.domus.sdk.event;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.sdk.hypercall.Hypervisor;

/**
 * Hypervisor system time (nanoseconds since the host booted), the only time a guest has: it
 * never reads the JDK's clocks.
 *
 * <p>Read from this vCPU's {@code vcpu_time_info} in shared_info with Xen's version protocol
 * (retry while the version is odd or changes). A hypervisor that does not publish time there
 * (version and system_time still 0) is asked instead with {@code VCPUOP_get_runstate_info},
 * whose {@code state_entry_time} is the current time for the running vCPU.
 */
public final class Clock {

    private final GuestMemory memory;
    private final long timeInfo;
    private final Hypervisor hv;
    private final int vcpuId;

    public Clock(Hypervisor hv, long sharedInfo, int vcpuId) {
        this.hv = hv;
        this.memory = hv.memory();
        this.vcpuId = vcpuId;
        this.timeInfo = sharedInfo + SHARED_INFO_VCPU_INFO_OFFSET + (long) vcpuId * VCPU_INFO_LENGTH + VCPU_INFO_TIME_OFFSET;
    }

    /** System time in nanoseconds. */
    public long now() {
        while (true) {
            int v1 = memory.getIntVolatile(timeInfo + VCPU_TIME_INFO_VERSION_OFFSET);
            long t = memory.getLongVolatile(timeInfo + VCPU_TIME_INFO_SYSTEM_TIME_OFFSET);
            int v2 = memory.getIntVolatile(timeInfo + VCPU_TIME_INFO_VERSION_OFFSET);
            if (v1 == 0 && t == 0) {
                return hv.runstateEntryTime(vcpuId);
            }
            if (v1 == v2 && (v1 & 1) == 0) {
                return t;
            }
        }
    }
}
