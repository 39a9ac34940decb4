package dev.domus.hv.loader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The class files of a guest kernel or of the domU SDK: a jar, or a directory of classes
 * (the samples and tests), optionally restricted to one package tree. Resources other than
 * class files are ignored (a guest cannot read them anyway), and so is
 * {@code module-info.class}.
 */
public final class GuestCodeSource {

    /** Package tree of the domU SDK, as found on the host class path. */
    public static final String SDK_PACKAGE = "dev/domus/sdk/";

    private final String description;
    private final Map<String, byte[]> classes;

    private GuestCodeSource(String description, Map<String, byte[]> classes) {
        this.description = description;
        this.classes = Collections.unmodifiableMap(classes);
    }

    /** Every class of the jar or directory {@code path}. */
    public static GuestCodeSource of(Path path) throws IOException {
        return of(path, "");
    }

    /**
     * The classes of the jar or directory {@code path} whose internal names start with
     * {@code packagePrefix} ({@code ""} for all).
     */
    public static GuestCodeSource of(Path path, String packagePrefix) throws IOException {
        if (!Files.exists(path)) {
            throw new IOException("guest code not found: " + path + " (give a jar or a directory of classes)");
        }
        Map<String, byte[]> classes = new TreeMap<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.walk(path)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String rel = path.relativize(f).toString().replace('\\', '/');
                    if (isClass(rel, packagePrefix) && Files.isRegularFile(f)) {
                        classes.put(rel.substring(0, rel.length() - 6), Files.readAllBytes(f));
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(path.toFile())) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    JarEntry e = entries.nextElement();
                    if (!e.isDirectory() && isClass(e.getName(), packagePrefix)) {
                        try (InputStream in = jar.getInputStream(e)) {
                            classes.put(e.getName().substring(0, e.getName().length() - 6), in.readAllBytes());
                        }
                    }
                }
            }
        }
        String what = packagePrefix.isEmpty() ? path.toString() : path + " (" + packagePrefix + ")";
        return new GuestCodeSource(what, classes);
    }

    /** Classes already read: internal name to class file bytes. */
    static GuestCodeSource ofClasses(String description, Map<String, byte[]> classes) {
        return new GuestCodeSource(description, new TreeMap<>(classes));
    }

    /**
     * A kernel named only by its class name: the kernel class and the classes it uses,
     * transitively, from the same class-path root of {@code host} (see the loader's README
     * in {@link GuestLoader}).
     */
    public static GuestCodeSource closureOf(String kernelClassName, ClassLoader host) throws IOException {
        return KernelClosure.of(kernelClassName, host);
    }

    /**
     * The domU SDK's classes, found on the host's class path by resource lookup (the
     * hypervisor does not depend on the SDK at compile time), or empty when the SDK is not on
     * the class path.
     */
    public static Optional<GuestCodeSource> locateSdk() {
        ClassLoader host = GuestCodeSource.class.getClassLoader();
        // The SDK's own root is the one holding a class only the SDK's main code has: a test
        // class directory of the same package (the SDK's own tests) may come first.
        URL marker = host.getResource(SDK_MARKER);
        if (marker != null) {
            return Optional.of(root(marker, SDK_MARKER, SDK_PACKAGE));
        }
        URL dir = host.getResource(SDK_PACKAGE);
        return dir == null ? Optional.empty() : Optional.of(root(dir, SDK_PACKAGE, SDK_PACKAGE));
    }

    /** A class of the SDK's main code, used to find the SDK's class-path root. */
    static final String SDK_MARKER = "dev/domus/sdk/XenException.class";

    /** The classes under {@code packagePrefix} of the class-path root where {@code url} points at {@code entry}. */
    private static GuestCodeSource root(URL url, String entry, String packagePrefix) {
        try {
            String s = url.toString();
            Path root;
            if (s.startsWith("jar:")) {
                root = Path.of(new URI(s.substring(4, s.indexOf("!/"))));
            } else {
                root = Path.of(new URI(s.substring(0, s.length() - entry.length())));
            }
            return of(root, packagePrefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the domU SDK at " + url, e);
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot locate the domU SDK from " + url, e);
        }
    }

    private static boolean isClass(String name, String prefix) {
        return name.endsWith(".class") && name.startsWith(prefix)
                && !name.startsWith("META-INF/") && !name.endsWith("module-info.class");
    }

    /** Internal name to class file bytes. */
    public Map<String, byte[]> classes() {
        return classes;
    }

    /** Where the classes came from, for messages. */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description + " (" + classes.size() + " classes)";
    }
}
