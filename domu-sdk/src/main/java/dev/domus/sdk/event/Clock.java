package dev.domus.sdk.event;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.PvClock;
import dev.domus.abi.VcpuContext;
import dev.domus.sdk.hypercall.Hypervisor;

/**
 * Hypervisor system time (nanoseconds since the host booted), the only time a guest has: it
 * never reads the JDK's clocks.
 *
 * <p>Read from this vCPU's {@code vcpu_time_info} in shared_info with Xen's version protocol
 * (retry while the version is odd or changes), extrapolated from the vCPU's TSC as Xen's
 * pvclock does, so the time moves between republishes. A hypervisor that does not publish time there
 * (version and system_time still 0) is asked instead with {@code VCPUOP_get_runstate_info},
 * whose {@code state_entry_time} is the current time for the running vCPU.
 */
public final class Clock {

    private final GuestMemory memory;
    private final long timeInfo;
    private final Hypervisor hv;
    private final int vcpuId;
    private final VcpuContext tsc;

    public Clock(Hypervisor hv, long sharedInfo, VcpuContext vcpu) {
        this.hv = hv;
        this.memory = hv.memory();
        this.vcpuId = vcpu.vcpuId();
        this.tsc = vcpu;
        this.timeInfo = sharedInfo + SHARED_INFO_VCPU_INFO_OFFSET + (long) vcpuId * VCPU_INFO_LENGTH + VCPU_INFO_TIME_OFFSET;
    }

    /** System time in nanoseconds. */
    public long now() {
        while (true) {
            int v1 = memory.getIntVolatile(timeInfo + VCPU_TIME_INFO_VERSION_OFFSET);
            long t = memory.getLongVolatile(timeInfo + VCPU_TIME_INFO_SYSTEM_TIME_OFFSET);
            long stamp = memory.getLong(timeInfo + VCPU_TIME_INFO_TSC_TIMESTAMP_OFFSET);
            int mul = memory.getInt(timeInfo + VCPU_TIME_INFO_TSC_TO_SYSTEM_MUL_OFFSET);
            int shift = memory.getByte(timeInfo + VCPU_TIME_INFO_TSC_SHIFT_OFFSET);
            long now = tsc.readTsc();
            int v2 = memory.getIntVolatile(timeInfo + VCPU_TIME_INFO_VERSION_OFFSET);
            if (v1 == 0 && t == 0) {
                return hv.runstateEntryTime(vcpuId);
            }
            if (v1 == v2 && (v1 & 1) == 0) {
                return PvClock.systemTime(now, stamp, t, mul, shift);
            }
        }
    }
}
