package dev.domus.hv.loader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The guest loader's entry point for domain creation: verify and instrument a kernel (with
 * the domU SDK), then load it into a domain's own class loader.
 *
 * <pre>{@code
 * GuestImage image = GuestImage.prepare(List.of(Path.of("kernel.jar")));  // or reuse one
 * LoadedGuest guest = GuestLoader.load(image, "org.example.MyKernel", "web1", 64 << 20);
 * // on each vCPU thread (a GuestThread whose guestState() is guest.newThreadState()):
 * GuestKernel kernel = guest.newKernel();   // vCPU 0 only: one kernel object per domain
 * kernel.start(vcpuContext);
 * }</pre>
 */
public final class GuestLoader {

    /** {@code java_heap} when a domain's config gives none: 64 MiB. */
    public static final long DEFAULT_JAVA_HEAP = 64L << 20;

    private GuestLoader() {
    }

    /**
     * Verifies and instruments the kernel at {@code kernelPaths} with the SDK, and loads it
     * for one domain.
     *
     * @throws IOException if a kernel path cannot be read
     * @throws GuestVerificationException if the verifier refuses the code or the kernel class
     */
    public static LoadedGuest load(List<Path> kernelPaths, String kernelClass, String domainName,
            long javaHeapBytes) throws IOException, GuestVerificationException {
        return load(GuestImage.prepare(kernelPaths), kernelClass, domainName, javaHeapBytes);
    }

    /**
     * Loads an already prepared image for one domain: a new class loader, the kernel class
     * checked and loaded (not yet initialized: no guest code runs here), and the domain's
     * heap quota.
     */
    public static LoadedGuest load(GuestImage image, String kernelClass, String domainName,
            long javaHeapBytes) throws GuestVerificationException {
        image.checkKernelClass(kernelClass);
        GuestClassLoader loader = image.newClassLoader(domainName);
        return new LoadedGuest(loader, kernelClass, new HeapQuota(javaHeapBytes));
    }
}
