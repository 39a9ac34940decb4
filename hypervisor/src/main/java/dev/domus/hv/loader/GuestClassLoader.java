package dev.domus.hv.loader;

import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;

/**
 * One domain's class loader. It defines the domain's own copy of every guest class (the
 * kernel's and the domU SDK's, verified and instrumented by {@link GuestImage}), so no static
 * state is shared between domains, and hands to the host only the classes
 * {@link GuestAllowList} names: allowed JDK classes, the {@code dev.domus.abi} package, and
 * the few runtime classes the JVM itself needs for lambdas, string concatenation, records and
 * the instrumentation. Any other name is not found, whatever the bytecode asks for, so the
 * loader backs up the verifier. It serves no resources.
 */
public final class GuestClassLoader extends ClassLoader {

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final Map<String, byte[]> classes;
    private final ClassLoader host = GuestClassLoader.class.getClassLoader();

    GuestClassLoader(String domainName, Map<String, byte[]> classes) {
        super("guest:" + domainName, null);
        this.classes = classes;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                String internal = name.replace('.', '/');
                if (GuestAllowList.isDelegated(internal)) {
                    c = host.loadClass(name);
                } else {
                    c = findClass(name);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] b = classes.get(name.replace('.', '/'));
        if (b == null) {
            throw new ClassNotFoundException(name + " is not available to guests");
        }
        return defineClass(name, b, 0, b.length);
    }

    @Override
    public URL getResource(String name) {
        return null;
    }

    @Override
    public Enumeration<URL> getResources(String name) {
        return Collections.emptyEnumeration();
    }
}
