package dev.domus.hv.domain;

import dev.domus.abi.GuestKernel;
import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads kernels with a plain {@link URLClassLoader} per domain over the given class path
 * (or the host's own class path when it is empty). No verification and no instrumentation:
 * the fallback until the guest loader is wired in, and for trusted test kernels.
 */
public final class PlainKernelLoader implements KernelLoader {

    @Override
    public GuestKernel load(int domid, String className, String classPath) throws KernelLoadException {
        ClassLoader parent = PlainKernelLoader.class.getClassLoader();
        ClassLoader loader = parent;
        if (classPath != null && !classPath.isEmpty()) {
            List<URL> urls = new ArrayList<>();
            for (String entry : classPath.split(File.pathSeparator)) {
                if (entry.isEmpty()) {
                    continue;
                }
                File f = new File(entry);
                if (!f.exists()) {
                    throw new KernelLoadException("kernel class path entry does not exist: " + entry, null);
                }
                try {
                    urls.add(f.toURI().toURL());
                } catch (MalformedURLException e) {
                    throw new KernelLoadException("bad kernel class path entry: " + entry, e);
                }
            }
            loader = new URLClassLoader("domus-d" + domid, urls.toArray(new URL[0]), parent);
        }
        Class<?> c;
        try {
            c = Class.forName(className, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new KernelLoadException("kernel class not found: " + className, e);
        }
        if (!GuestKernel.class.isAssignableFrom(c)) {
            throw new KernelLoadException(className + " does not implement " + GuestKernel.class.getName(), null);
        }
        try {
            return (GuestKernel) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            throw new KernelLoadException("cannot instantiate kernel " + className
                + " (it needs a public no-argument constructor): " + e, e);
        }
    }
}
