package dev.domus.sdk.event;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;

/**
 * Hypervisor system time, read from this vCPU's {@code vcpu_time_info} in shared_info with
 * Xen's version protocol (retry while the version is odd or changed). Guests take time from
 * here, never from the JDK: it is the host's monotonic nanoseconds since boot, and it keeps
 * running across save/restore and migration as the hypervisor defines it.
 */
public final class Clock {

    private final GuestMemory memory;
    private final long timeInfo;

    public Clock(GuestMemory memory, long sharedInfo, int vcpuId) {
        this.memory = memory;
        this.timeInfo = sharedInfo + SHARED_INFO_VCPU_INFO_OFFSET + (long) vcpuId * VCPU_INFO_LENGTH + VCPU_INFO_TIME_OFFSET;
    }

    /** System time in nanoseconds. */
    public long now() {
        while (true) {
            int v1 = memory.getIntVolatile(timeInfo + VCPU_TIME_INFO_VERSION_OFFSET);
            long t = memory.getLongVolatile(timeInfo + VCPU_TIME_INFO_SYSTEM_TIME_OFFSET);
            int v2 = memory.getIntVolatile(timeInfo + VCPU_TIME_INFO_VERSION_OFFSET);
            if (v1 == v2 && (v1 & 1) == 0) {
                return t;
            }
        }
    }
}
