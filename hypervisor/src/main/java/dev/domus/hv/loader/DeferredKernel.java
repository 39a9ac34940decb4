package dev.domus.hv.loader;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.VcpuContext;

/**
 * The host-side handle of a loaded guest kernel: the guest's kernel object is created on vCPU
 * 0's thread when the domain first runs, so its constructor and static initializers run
 * instrumented on a vCPU; the other vCPUs wait for it at safepoints (they can still be
 * preempted, paused and killed while they wait).
 */
final class DeferredKernel implements GuestKernel {

    private final LoadedGuest guest;
    private volatile GuestKernel instance;
    private volatile boolean failed;

    DeferredKernel(LoadedGuest guest) {
        this.guest = guest;
    }

    /** The domain's loaded guest (class loader and kernel class). */
    LoadedGuest guest() {
        return guest;
    }

    private GuestKernel instance(VcpuContext vcpu) throws Exception {
        GuestKernel k = instance;
        if (k != null) {
            return k;
        }
        if (vcpu.vcpuId() == 0) {
            try {
                k = guest.newKernel();
            } catch (Throwable t) {
                failed = true;
                throw t;
            }
            instance = k;
            return k;
        }
        while ((k = instance) == null) {
            if (failed) {
                throw new GuestTermination(GuestTermination.Reason.KILLED, "the kernel failed to start on vCPU 0");
            }
            GuestRuntime.poll();
            Thread.onSpinWait();
        }
        return k;
    }

    @Override
    public void start(VcpuContext vcpu) throws Exception {
        instance(vcpu).start(vcpu);
    }

    @Override
    public void resume(VcpuContext vcpu) throws Exception {
        instance(vcpu).resume(vcpu);
    }

    @Override
    public void suspend(VcpuContext vcpu) throws Exception {
        instance(vcpu).suspend(vcpu);
    }

    @Override
    public String toString() {
        return "guest kernel " + guest.kernelClass().getName() + " in " + guest.classLoader().getName();
    }
}
