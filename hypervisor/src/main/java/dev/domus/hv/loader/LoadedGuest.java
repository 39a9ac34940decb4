package dev.domus.hv.loader;

import dev.domus.abi.GuestKernel;
import java.lang.reflect.InvocationTargetException;

/**
 * A guest kernel loaded for one domain: its class loader, its kernel class, its heap quota,
 * and the per-vCPU instrumentation state the domain's vCPU threads carry.
 */
public final class LoadedGuest {

    private final GuestClassLoader loader;
    private final String kernelClassName;
    private final HeapQuota quota;

    LoadedGuest(GuestClassLoader loader, String kernelClassName, HeapQuota quota) {
        this.loader = loader;
        this.kernelClassName = kernelClassName;
        this.quota = quota;
    }

    public GuestClassLoader classLoader() {
        return loader;
    }

    public HeapQuota heapQuota() {
        return quota;
    }

    /** Fresh instrumentation state for one vCPU thread of this domain. */
    public GuestThreadState newThreadState() {
        return new GuestThreadState(quota);
    }

    /** The kernel class, loaded in the domain's loader but not initialized. */
    public Class<? extends GuestKernel> kernelClass() {
        try {
            return Class.forName(kernelClassName, false, loader).asSubclass(GuestKernel.class);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("kernel class vanished from its image: " + kernelClassName, e);
        }
    }

    /**
     * Instantiates the kernel. Guest code runs here (static initializers, the constructor),
     * so call it on one of the domain's vCPU threads; whatever the guest throws is thrown
     * as it is (a {@link GuestTermination}, or the guest's own exception).
     */
    public GuestKernel newKernel() throws Exception {
        try {
            return kernelClass().getConstructor().newInstance();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error err) {
                throw err;
            }
            throw (Exception) cause;
        } catch (ExceptionInInitializerError e) {
            Throwable cause = e.getCause();
            if (cause instanceof GuestTermination t) {
                throw t;
            }
            throw e;
        }
    }

    /** Forgets the domain's heap samples once it is destroyed. */
    public void release() {
        quota.release();
    }
}
