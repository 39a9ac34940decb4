package dev.domus.dom0.template;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The registered template images, one file per template under {@code HOME/templates/NAME.img}
 * (a copy of the {@code domus save} image, so the operator's file may go away). A copy is
 * written to a temporary name and moved into place, so a registered template is always whole.
 */
public final class TemplateStore {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final String SUFFIX = ".img";

    private final Path dir;

    public TemplateStore(Path home) {
        this.dir = home.resolve("templates");
    }

    /** The directory the images live in. */
    public Path directory() {
        return dir;
    }

    /** Refuses a name that is not a plain file name. */
    public static void checkName(String name) throws TemplateException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new TemplateException("bad template name '" + name + "': use 1-64 letters, digits, '_', '.' or '-',"
                    + " starting with a letter or digit");
        }
    }

    /** The image of template {@code name} (it may not exist). */
    public Path path(String name) {
        return dir.resolve(name + SUFFIX);
    }

    public boolean exists(String name) {
        return Files.isRegularFile(path(name));
    }

    /** Copies {@code image} in as template {@code name}; the caller verified it. */
    public Path add(String name, Path image) throws TemplateException {
        Path target = path(name);
        Path tmp = dir.resolve("." + name + SUFFIX + ".part");
        try {
            Files.createDirectories(dir);
            Files.copy(image, tmp, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            return target;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // reporting the first failure matters more
            }
            throw new TemplateException("cannot copy " + image + " to " + target + ": " + e.getMessage());
        }
    }

    /** Removes template {@code name}'s image. */
    public void remove(String name) throws TemplateException {
        try {
            Files.deleteIfExists(path(name));
        } catch (IOException e) {
            throw new TemplateException("cannot remove " + path(name) + ": " + e.getMessage());
        }
    }

    /** The registered names, sorted. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(SUFFIX) && !f.startsWith("."))
                    .map(f -> f.substring(0, f.length() - SUFFIX.length()))
                    .sorted()
                    .forEach(out::add);
        } catch (IOException e) {
            // an unreadable directory lists as empty; add and create report the error themselves
        }
        return out;
    }
}
