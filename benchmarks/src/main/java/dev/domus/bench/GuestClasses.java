package dev.domus.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The benchmark guests' classes (package {@code dev.domus.bench.guest}) as a directory a domain
 * can name as its kernel path. From the shaded benchmarks.jar they are copied out, since the
 * guest loader verifies every class of a kernel path and the jar also holds the host's
 * libraries, which no guest may contain.
 */
final class GuestClasses {

    private static final String PACKAGE = "dev/domus/bench/guest/";

    private GuestClasses() {
    }

    static Path directory() {
        try {
            Path location = Path.of(GuestClasses.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.createTempDirectory("domus-bench-guests");
            Path target = dir.resolve(PACKAGE);
            Files.createDirectories(target);
            if (Files.isDirectory(location)) {
                try (Stream<Path> files = Files.list(location.resolve(PACKAGE))) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.copy(f, target.resolve(f.getFileName().toString()));
                    }
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                        JarEntry entry = e.nextElement();
                        String name = entry.getName();
                        if (name.startsWith(PACKAGE) && name.endsWith(".class")) {
                            try (InputStream in = jar.getInputStream(entry)) {
                                Files.copy(in, target.resolve(name.substring(PACKAGE.length())));
                            }
                        }
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
