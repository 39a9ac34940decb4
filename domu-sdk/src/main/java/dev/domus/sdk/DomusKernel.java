package dev.domus.sdk;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.VcpuContext;

/**
 * The base class of a guest kernel written with the SDK: implement {@link #main(Domu)}.
 *
 * <p>{@code main} runs on vCPU 0 at first boot and again after every restore or migration
 * (then {@link Domu#resumed()} is true and guest memory holds everything the kernel kept
 * there: find it again through {@link Domu#pages()}'s named roots or the named structures
 * {@link Domu#map}, {@link Domu#log}). The SDK boots the domain's devices before {@code main}
 * and reconnects them on resume. Suspend is cooperative: at a clean point ({@link Domu#sleep},
 * {@link Domu#checkpoint}) the SDK sees a {@code control/shutdown} request, calls
 * {@link #onSuspend(Domu)}, quiesces devices and suspends the domain. Returning from
 * {@code main} powers the domain off. Other vCPUs run {@link #secondary(VcpuContext)}.
 */
public abstract class DomusKernel implements GuestKernel {

    private Domu domu;

    /** The kernel's body, on vCPU 0. */
    protected abstract void main(Domu domu) throws Exception;

    /** Called at a clean point before the domain suspends: write Java-held state into guest memory. */
    protected void onSuspend(Domu domu) throws Exception {
    }

    /** Called when a suspend was cancelled and the domain keeps running here. */
    protected void onSuspendCancelled(Domu domu) throws Exception {
    }

    /** Body of vCPUs other than 0; by default they go offline at once. */
    protected void secondary(VcpuContext vcpu) throws Exception {
    }

    @Override
    public final void start(VcpuContext vcpu) throws Exception {
        run(vcpu);
    }

    @Override
    public final void resume(VcpuContext vcpu) throws Exception {
        run(vcpu);
    }

    @Override
    public final void suspend(VcpuContext vcpu) throws Exception {
        if (domu != null) {
            onSuspend(domu);
        }
    }

    private void run(VcpuContext vcpu) throws Exception {
        if (vcpu.vcpuId() != 0) {
            secondary(vcpu);
            return;
        }
        domu = Domu.boot(vcpu, this);
        try {
            main(domu);
        } catch (GuestShutdown done) {
            // the domain is shutting down: unwind quietly
        }
    }
}
