package dev.domus.dom0.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Pattern;

/**
 * Parses {@code xl.cfg}-style domain configs: {@code key = value} lines, values being
 * integers, quoted strings ({@code "..."} or {@code '...'}) or lists ({@code [ 'a', 'b' ]},
 * which may span lines); {@code #} starts a comment.
 *
 * <p>Keys: {@code name}, {@code kernel}, {@code memory}, {@code maxmem}, {@code vcpus},
 * {@code cpus}, {@code weight}, {@code cap}, {@code disk}, {@code on_poweroff},
 * {@code on_reboot}, {@code on_crash}, {@code java_heap}, {@code extra}. Anything else is
 * refused (a misspelt key must not be silently ignored). Relative paths (kernel jar, disk
 * files) are relative to the config file's directory.
 */
public final class XlConfigParser {

    private static final Set<String> KEYS = Set.of("name", "kernel", "memory", "maxmem", "vcpus", "cpus",
            "weight", "cap", "disk", "on_poweroff", "on_reboot", "on_crash", "java_heap", "extra");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern CLASS_NAME = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*");
    private static final Pattern VDEV = Pattern.compile("xvd[a-z]");

    private XlConfigParser() {
    }

    public static DomainConfig parse(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        Path dir = file.toAbsolutePath().getParent();
        try {
            return parse(text, dir, file.toAbsolutePath());
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    /** Parses config text; {@code dir} resolves relative paths. */
    public static DomainConfig parse(String text, Path dir, Path source) throws ConfigException {
        Map<String, Object> values = readAssignments(text);
        for (String k : values.keySet()) {
            if (!KEYS.contains(k)) {
                throw new ConfigException("unknown key '" + k + "': the keys Domus knows are " + new TreeSet<>(KEYS)
                        + " (put guest arguments in extra = \"key=value ...\")");
            }
        }
        String name = string(values, "name", null);
        if (name == null) {
            throw new ConfigException("missing name: add name = \"...\"");
        }
        if (!NAME.matcher(name).matches()) {
            throw new ConfigException("name '" + name + "': use letters, digits, '_', '.', '-' (at most 64), "
                    + "starting with a letter or digit");
        }
        if (name.chars().allMatch(Character::isDigit)) {
            throw new ConfigException("name '" + name + "' is all digits and would read as a domid: pick another");
        }
        String kernel = string(values, "kernel", null);
        if (kernel == null || kernel.isBlank()) {
            throw new ConfigException("missing kernel: add kernel = \"<guest class>\" or \"<guest.jar>\"");
        }
        Path kernelJar = null;
        String kernelClass = kernel;
        int jarEnd = kernel.indexOf(".jar");
        if (jarEnd >= 0) {
            String jarPart = kernel.substring(0, jarEnd + 4);
            kernelJar = dir.resolve(jarPart).normalize();
            if (!Files.isRegularFile(kernelJar)) {
                throw new ConfigException("kernel jar " + kernelJar + " does not exist");
            }
            if (kernel.length() > jarEnd + 4) {
                if (kernel.charAt(jarEnd + 4) != ':') {
                    throw new ConfigException("kernel '" + kernel + "': write \"guest.jar\" or \"guest.jar:pkg.Kernel\"");
                }
                kernelClass = kernel.substring(jarEnd + 5);
            } else {
                kernelClass = kernelClassFromManifest(kernelJar);
            }
        }
        if (!CLASS_NAME.matcher(kernelClass).matches()) {
            throw new ConfigException("kernel '" + kernelClass + "' is not a class name (e.g. dev.domus.examples.Pinger)");
        }
        long memory = mib(values, "memory", 128);
        long maxmem = mib(values, "maxmem", memory);
        if (memory <= 0) {
            throw new ConfigException("memory = " + memory + ": give at least 1 (MiB)");
        }
        if (maxmem < memory) {
            throw new ConfigException("maxmem = " + maxmem + " is below memory = " + memory + ": raise maxmem");
        }
        int vcpus = (int) integer(values, "vcpus", 1);
        if (vcpus < 1 || vcpus > 128) {
            throw new ConfigException("vcpus = " + vcpus + ": use 1 to 128");
        }
        SortedSet<Integer> cpus = cpus(string(values, "cpus", "all"));
        int weight = (int) integer(values, "weight", 256);
        if (weight < 1 || weight > 65535) {
            throw new ConfigException("weight = " + weight + ": use 1 to 65535");
        }
        int cap = (int) integer(values, "cap", 0);
        if (cap < 0 || cap > 100 * 128) {
            throw new ConfigException("cap = " + cap + ": use 0 (no cap) or a percentage of one pCPU");
        }
        List<DiskSpec> disks = disks(values.get("disk"), dir);
        LifecycleAction onPoweroff = LifecycleAction.parse("on_poweroff", string(values, "on_poweroff", "destroy"));
        LifecycleAction onReboot = LifecycleAction.parse("on_reboot", string(values, "on_reboot", "restart"));
        LifecycleAction onCrash = LifecycleAction.parse("on_crash", string(values, "on_crash", "destroy"));
        long javaHeap = values.containsKey("java_heap") ? mib(values, "java_heap", 0) : 0;
        String extra = string(values, "extra", "");
        Map<String, String> extraArgs = new LinkedHashMap<>();
        for (String kv : extra.trim().split("\\s+")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            extraArgs.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        return new DomainConfig(source, name, kernelClass, kernelJar, memory, maxmem, vcpus, cpus, weight, cap,
                disks, onPoweroff, onReboot, onCrash, javaHeap, extra, Collections.unmodifiableMap(extraArgs));
    }

    private static String kernelClassFromManifest(Path jar) throws ConfigException {
        try (JarFile jf = new JarFile(jar.toFile())) {
            var mf = jf.getManifest();
            String cls = mf == null ? null : mf.getMainAttributes().getValue("Domus-Kernel");
            if (cls == null && mf != null) {
                cls = mf.getMainAttributes().getValue("Main-Class");
            }
            if (cls == null) {
                throw new ConfigException("kernel jar " + jar + " names no kernel class: write kernel = \""
                        + jar.getFileName() + ":pkg.Kernel\" or add Domus-Kernel to its manifest");
            }
            return cls.trim();
        } catch (IOException e) {
            throw new ConfigException("kernel jar " + jar + " cannot be read: " + e.getMessage());
        }
    }

    private static List<DiskSpec> disks(Object v, Path dir) throws ConfigException {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw new ConfigException("disk must be a list: disk = [ 'file:PATH,xvda,w' ]");
        }
        List<DiskSpec> out = new ArrayList<>();
        Set<String> vdevs = new java.util.HashSet<>();
        for (Object o : list) {
            String spec = (String) o;
            String[] parts = spec.split(",");
            if (parts.length != 3) {
                throw new ConfigException("disk '" + spec + "': write 'file:PATH,xvdX,w' (or ,r for read-only)");
            }
            String target = parts[0].trim();
            if (target.startsWith("file:")) {
                target = target.substring(5);
            } else if (target.contains(":")) {
                throw new ConfigException("disk '" + spec + "': only file-backed disks ('file:PATH') are supported");
            }
            Path path = dir.resolve(target).normalize();
            if (!Files.isRegularFile(path)) {
                throw new ConfigException("disk file " + path + " does not exist: create it first "
                        + "(e.g. truncate -s 64M " + path + ")");
            }
            String vdev = parts[1].trim();
            if (!VDEV.matcher(vdev).matches()) {
                throw new ConfigException("disk '" + spec + "': device '" + vdev + "' must be xvda..xvdz");
            }
            if (!vdevs.add(vdev)) {
                throw new ConfigException("disk device " + vdev + " is used twice");
            }
            String mode = parts[2].trim();
            boolean writable = switch (mode) {
                case "w", "rw" -> true;
                case "r", "ro" -> false;
                default -> throw new ConfigException("disk '" + spec + "': access '" + mode + "' must be w or r");
            };
            if (writable && !Files.isWritable(path)) {
                throw new ConfigException("disk file " + path + " is not writable: fix its permissions or use ,r");
            }
            out.add(new DiskSpec(path, vdev, writable));
        }
        return List.copyOf(out);
    }

    /** Parses a pCPU list: "all" (empty set) or "0-1,3". */
    public static SortedSet<Integer> cpus(String s) throws ConfigException {
        TreeSet<Integer> out = new TreeSet<>();
        if (s.equals("all")) {
            return Collections.unmodifiableSortedSet(out);
        }
        for (String part : s.split(",")) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                int lo = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
                int hi = dash < 0 ? lo : Integer.parseInt(p.substring(dash + 1));
                if (lo < 0 || hi < lo || hi > 1023) {
                    throw new NumberFormatException();
                }
                for (int c = lo; c <= hi; c++) {
                    out.add(c);
                }
            } catch (NumberFormatException e) {
                throw new ConfigException("cpus = \"" + s + "\": write \"all\" or a list like \"0-1,3\"");
            }
        }
        return Collections.unmodifiableSortedSet(out);
    }

    private static String string(Map<String, Object> v, String key, String dflt) throws ConfigException {
        Object o = v.get(key);
        if (o == null) {
            return dflt;
        }
        if (o instanceof List) {
            throw new ConfigException(key + " must be a single value, not a list");
        }
        return (String) o;
    }

    private static long integer(Map<String, Object> v, String key, long dflt) throws ConfigException {
        String s = string(v, key, null);
        if (s == null) {
            return dflt;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " = '" + s + "': expected a whole number");
        }
    }

    /** A size in MiB: a bare number is MiB (as in xl.cfg); suffixes K, M, G, T are accepted. */
    private static long mib(Map<String, Object> v, String key, long dflt) throws ConfigException {
        String s = string(v, key, null);
        if (s == null) {
            return dflt;
        }
        try {
            return Sizes.parseMib(s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " = '" + s + "': " + e.getMessage());
        }
    }

    /** Reads {@code key = value} assignments; values are String or List of String. */
    private static Map<String, Object> readAssignments(String text) throws ConfigException {
        Map<String, Object> out = new LinkedHashMap<>();
        Lexer lx = new Lexer(text);
        while (true) {
            lx.skipSpaceAndComments(true);
            if (lx.atEnd()) {
                return out;
            }
            int line = lx.line;
            String key = lx.identifier();
            if (key == null) {
                throw new ConfigException("line " + line + ": expected key = value");
            }
            lx.skipSpaceAndComments(false);
            if (!lx.take('=')) {
                throw new ConfigException("line " + line + ": expected '=' after " + key);
            }
            lx.skipSpaceAndComments(false);
            Object value;
            if (lx.take('[')) {
                List<String> list = new ArrayList<>();
                while (true) {
                    lx.skipSpaceAndComments(true);
                    if (lx.take(']')) {
                        break;
                    }
                    list.add(lx.scalar(key));
                    lx.skipSpaceAndComments(true);
                    if (lx.take(']')) {
                        break;
                    }
                    if (!lx.take(',')) {
                        throw new ConfigException("line " + lx.line + ": expected ',' or ']' in the list of " + key);
                    }
                }
                value = List.copyOf(list);
            } else {
                value = lx.scalar(key);
            }
            if (out.put(key, value) != null) {
                throw new ConfigException("line " + line + ": " + key + " is set twice");
            }
            lx.skipSpaceAndComments(false);
            lx.take(';');
            lx.skipSpaceAndComments(false);
            if (!lx.atEnd() && !lx.take('\n')) {
                throw new ConfigException("line " + lx.line + ": unexpected text after the value of " + key);
            }
        }
    }

    /** A small hand-written lexer: the grammar is tiny and errors must name lines. */
    private static final class Lexer {
        private final String s;
        private int pos;
        int line = 1;

        Lexer(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        boolean take(char c) {
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                if (c == '\n') {
                    line++;
                }
                return true;
            }
            return false;
        }

        void skipSpaceAndComments(boolean newlines) {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '#') {
                    while (pos < s.length() && s.charAt(pos) != '\n') {
                        pos++;
                    }
                } else if (c == ' ' || c == '\t' || c == '\r') {
                    pos++;
                } else if (c == '\n' && newlines) {
                    pos++;
                    line++;
                } else {
                    return;
                }
            }
        }

        String identifier() {
            int start = pos;
            while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                pos++;
            }
            return pos == start ? null : s.substring(start, pos);
        }

        String scalar(String key) throws ConfigException {
            if (pos < s.length() && (s.charAt(pos) == '"' || s.charAt(pos) == '\'')) {
                char q = s.charAt(pos++);
                int start = pos;
                while (pos < s.length() && s.charAt(pos) != q) {
                    if (s.charAt(pos) == '\n') {
                        throw new ConfigException("line " + line + ": unterminated string in " + key);
                    }
                    pos++;
                }
                if (atEnd()) {
                    throw new ConfigException("line " + line + ": unterminated string in " + key);
                }
                return s.substring(start, pos++);
            }
            int start = pos;
            while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '-'
                    || s.charAt(pos) == '_' || s.charAt(pos) == '.')) {
                pos++;
            }
            if (pos == start) {
                throw new ConfigException("line " + line + ": expected a value for " + key
                        + " (a number, a \"string\" or a [list])");
            }
            return s.substring(start, pos);
        }
    }
}
