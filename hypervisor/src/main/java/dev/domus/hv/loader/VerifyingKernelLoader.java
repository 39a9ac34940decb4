package dev.domus.hv.loader;

import dev.domus.abi.GuestKernel;
import dev.domus.hv.domain.KernelLoader;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The hypervisor's kernel loader: every kernel is verified (with the SDK copy it will run
 * with) and instrumented before any of its code runs, and each domain gets its own
 * {@link GuestClassLoader}. A kernel the verifier refuses fails the Domus kernel domctl with
 * the verifier's message, so the domain is never started.
 *
 * <p>The class path names the kernel's jars or class directories ({@code :}-separated);
 * every class in them is verified. An empty class path means the kernel is on the host's
 * class path (the sample guests, tests): its code is then the kernel class and what it uses
 * from the same class-path root ({@link GuestCodeSource#closureOf}).
 *
 * <p>The kernel object is created on the domain's vCPU 0 thread when it first starts (its
 * constructor and static initializers are guest code and must run instrumented, on a vCPU,
 * not on the Dom0 thread that issued the domctl); the other vCPUs wait for it at safepoints.
 */
public final class VerifyingKernelLoader implements KernelLoader {

    /** Prepared images kept for reuse: more are dropped all at once (kernels are few). */
    static final int CACHE_LIMIT = 64;

    private final ClassLoader host = VerifyingKernelLoader.class.getClassLoader();
    private final Map<String, Cached> images = new ConcurrentHashMap<>();

    private record Cached(String fingerprint, GuestImage image) {
    }

    @Override
    public GuestKernel load(int domid, String className, String classPath) throws KernelLoadException {
        try {
            GuestImage image = image(className, classPath == null ? "" : classPath);
            LoadedGuest guest = GuestLoader.load(image, className, "d" + domid, GuestLoader.DEFAULT_JAVA_HEAP);
            return new DeferredKernel(guest);
        } catch (GuestVerificationException e) {
            throw new KernelLoadException(e.getMessage(), e);
        } catch (IOException e) {
            throw new KernelLoadException("cannot read kernel " + className + ": " + e.getMessage(), e);
        }
    }

    /**
     * The verified, instrumented image for a kernel, reused while its class path is unchanged
     * (same files, sizes and modification times; a kernel on the host's class path cannot
     * change under a running host). Images hold no guest state, so domains may share one.
     */
    private GuestImage image(String className, String classPath) throws IOException, GuestVerificationException {
        String key = className + "\u0000" + classPath;
        String fingerprint = fingerprint(classPath);
        Cached c = images.get(key);
        if (c != null && c.fingerprint().equals(fingerprint)) {
            return c.image();
        }
        GuestImage image = prepare(className, classPath);
        if (images.size() >= CACHE_LIMIT) {
            images.clear();
        }
        images.put(key, new Cached(fingerprint, image));
        return image;
    }

    private static String fingerprint(String classPath) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                long count = 0;
                long sum = 0;
                try (Stream<Path> files = Files.walk(p)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        if (Files.isRegularFile(f)) {
                            count++;
                            sum = sum * 31 + Files.getLastModifiedTime(f).toMillis() + Files.size(f) + f.hashCode();
                        }
                    }
                }
                sb.append(entry).append(':').append(count).append(':').append(sum).append(';');
            } else if (Files.exists(p)) {
                sb.append(entry).append(':').append(Files.size(p)).append(':')
                        .append(Files.getLastModifiedTime(p).toMillis()).append(';');
            } else {
                sb.append(entry).append(":missing;");
            }
        }
        return sb.toString();
    }

    private List<GuestCodeSource> sources(String className, String classPath) throws IOException {
        List<GuestCodeSource> sources = new ArrayList<>();
        if (classPath == null || classPath.isBlank()) {
            sources.add(GuestCodeSource.closureOf(className, host));
            return sources;
        }
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                sources.add(GuestCodeSource.of(Path.of(entry)));
            }
        }
        return sources;
    }

    /** Optional access for tests and tools: the image a kernel would run as. */
    public GuestImage prepare(String className, String classPath) throws IOException, GuestVerificationException {
        return GuestImage.prepare(sources(className, classPath), GuestCodeSource.locateSdk(),
                GuestImage.Mode.INSTRUMENTED);
    }

}
