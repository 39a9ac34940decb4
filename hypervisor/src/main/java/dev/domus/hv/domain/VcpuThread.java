package dev.domus.hv.domain;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.SchedOp;
import dev.domus.abi.VcpuContext;
import dev.domus.hv.loader.GuestTermination;
import dev.domus.hv.loader.GuestThread;
import dev.domus.hv.loader.GuestThreadState;

/**
 * The Java thread that runs a guest kernel on one vCPU. It runs guest code only while its
 * vCPU holds a pCPU token. A guest that throws crashes its own domain; a kill (destroy)
 * unwinds it with {@link GuestTermination#killed()}. When {@code start} returns on vCPU 0 without a
 * shutdown, the domain powers off (the {@link GuestKernel} contract); other vCPUs go offline.
 */
public final class VcpuThread extends Thread implements GuestThread {

    private final Vcpu vcpu;
    private final GuestKernel kernel;
    private final VcpuContext context;
    private final GuestThreadState guestState;

    VcpuThread(Vcpu vcpu, GuestKernel kernel, VcpuContext context, ThreadGroup group) {
        super(group, null, "domus-" + vcpu, RECOMMENDED_STACK_SIZE);
        this.vcpu = vcpu;
        this.kernel = kernel;
        this.context = context;
        this.guestState = new GuestThreadState(vcpu.domain().heapQuota());
        setDaemon(true);
        vcpu.attach(this);
    }

    public Vcpu vcpu() {
        return vcpu;
    }

    @Override
    public GuestThreadState guestState() {
        return guestState;
    }

    /** The cheap per-vCPU flag instrumented guest code polls at back-edges and method entries. */
    @Override
    public boolean safepointRequested() {
        return vcpu.safepointRequested();
    }

    /** Called by guest code at a safepoint: yields the token, parks while paused, or dies. */
    @Override
    public void atSafepoint() {
        vcpu.atSafepoint();
    }

    /** True once the domain is being destroyed: exception handlers in guest code rethrow then. */
    @Override
    public boolean killRequested() {
        return vcpu.isKilled();
    }

    @Override
    public void run() {
        Domain domain = vcpu.domain();
        try {
            vcpu.tokens().start(vcpu);
            if (!vcpu.tokens().awaitToken(vcpu, vcpu::isKilled) || vcpu.isKilled()) {
                return;
            }
            domain.publishTime(vcpu.index());
            if (context.resumed()) {
                kernel.resume(context);
            } else {
                kernel.start(context);
            }
            if (vcpu.index() == 0) {
                domain.shutdown(SchedOp.SHUTDOWN_poweroff);
            }
        } catch (GuestTermination t) {
            if (!t.isKill() && !vcpu.isKilled()) {
                domain.crash(vcpu, t);
            }
        } catch (Throwable guestFault) {
            if (!vcpu.isKilled()) {
                domain.crash(vcpu, guestFault);
            }
        } finally {
            vcpu.goOffline();
            vcpu.tokens().exit(vcpu);
            domain.vcpuExited(vcpu);
        }
    }
}
