package dev.domus.hv.loader;

import dev.domus.abi.GuestKernel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * A guest kernel's code, verified in full and (normally) instrumented, ready to be loaded
 * into any number of domains: each {@link #newClassLoader(String)} defines its own copy of
 * every class. An image holds no guest state and may be shared between domains that run the
 * same kernel.
 *
 * <p>{@link Mode#BARE} keeps the verified bytecode as it is, without instrumentation: for
 * the benchmark that measures what the instrumentation costs, never for running a domain.
 */
public final class GuestImage {

    /** Whether the guest's bytecode is instrumented. */
    public enum Mode {
        /** Safepoints, depth bound, heap accounting, uncatchable termination: for domains. */
        INSTRUMENTED,
        /** Verified but not rewritten: only for measuring the instrumentation's cost. */
        BARE
    }

    private final String description;
    private final Mode mode;
    private final Map<String, byte[]> classes;
    private final Map<String, ClassNode> nodes;

    private GuestImage(String description, Mode mode, Map<String, byte[]> classes, Map<String, ClassNode> nodes) {
        this.description = description;
        this.mode = mode;
        this.classes = Collections.unmodifiableMap(classes);
        this.nodes = nodes;
    }

    /**
     * Verifies and instruments the kernel found at {@code kernelPaths} (jars or class
     * directories) together with the domU SDK located on the host class path.
     */
    public static GuestImage prepare(List<Path> kernelPaths) throws IOException, GuestVerificationException {
        List<GuestCodeSource> sources = new ArrayList<>();
        for (Path p : kernelPaths) {
            sources.add(GuestCodeSource.of(p));
        }
        return prepare(sources, GuestCodeSource.locateSdk(), Mode.INSTRUMENTED);
    }

    /**
     * Verifies the kernel's classes and the SDK's (the kernel's own copy of a class wins),
     * all of them, eagerly; then instruments them unless {@code mode} is {@link Mode#BARE}.
     *
     * @throws GuestVerificationException naming every refused reference, before any guest
     *         code has run
     */
    public static GuestImage prepare(List<GuestCodeSource> kernel, Optional<GuestCodeSource> sdk, Mode mode)
            throws GuestVerificationException {
        List<GuestCodeSource> all = new ArrayList<>(kernel);
        sdk.ifPresent(all::add);
        String description = all.stream().map(GuestCodeSource::description)
                .reduce((a, b) -> a + " + " + b).orElse("no code");
        Map<String, byte[]> original = new LinkedHashMap<>();
        for (GuestCodeSource s : all) {
            s.classes().forEach(original::putIfAbsent);
        }
        Map<String, ClassNode> nodes = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : original.entrySet()) {
            if (GuestAllowList.isAbi(e.getKey())) {
                continue; // a bundled copy of hypercall-abi: the host's copy is used
            }
            try {
                ClassNode c = new ClassNode();
                new ClassReader(e.getValue()).accept(c, ClassReader.EXPAND_FRAMES);
                if (!c.name.equals(e.getKey())) {
                    problems.add("class file " + e.getKey() + ".class declares class " + c.name.replace('/', '.'));
                    continue;
                }
                nodes.put(c.name, c);
            } catch (RuntimeException ex) {
                problems.add("class file " + e.getKey() + ".class is not a valid class file: " + ex);
            }
        }
        problems.addAll(GuestVerifier.verify(nodes));
        if (!problems.isEmpty()) {
            throw new GuestVerificationException(description, problems);
        }
        Map<String, byte[]> out = new HashMap<>();
        if (mode == Mode.BARE) {
            nodes.keySet().forEach(n -> out.put(n, original.get(n)));
            return new GuestImage(description, mode, out, nodes);
        }
        // Instrument copies: the verifier's nodes stay as the guest wrote them (kernel checks).
        GuestInstrumenter instrumenter = new GuestInstrumenter(nodes);
        for (String n : nodes.keySet()) {
            ClassNode copy = new ClassNode();
            new ClassReader(original.get(n)).accept(copy, ClassReader.EXPAND_FRAMES);
            try {
                out.put(n, instrumenter.instrument(copy));
            } catch (RuntimeException ex) {
                problems.add("class " + n.replace('/', '.') + ": cannot be instrumented: " + ex.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new GuestVerificationException(description, problems);
        }
        return new GuestImage(description, mode, out, nodes);
    }

    /** A fresh class loader for one domain, with its own copy of every class of this image. */
    public GuestClassLoader newClassLoader(String domainName) {
        return new GuestClassLoader(domainName, classes);
    }

    /**
     * Checks that {@code className} is a guest class of this image that can be a domain's
     * kernel: public, concrete, implementing {@link GuestKernel}, with a public no-argument
     * constructor.
     *
     * @throws GuestVerificationException saying what to fix
     */
    public void checkKernelClass(String className) throws GuestVerificationException {
        String internal = className.replace('.', '/');
        ClassNode c = nodes.get(internal);
        String problem = null;
        if (c == null) {
            problem = "kernel class " + className + " is not among the guest's classes";
        } else if ((c.access & Opcodes.ACC_PUBLIC) == 0 || (c.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_INTERFACE)) != 0) {
            problem = "kernel class " + className + " must be a public, non-abstract class";
        } else if (!implementsKernel(internal)) {
            problem = "kernel class " + className + " does not implement dev.domus.abi.GuestKernel";
        } else if (c.methods.stream().noneMatch(GuestImage::isPublicNoArgConstructor)) {
            problem = "kernel class " + className + " has no public no-argument constructor";
        }
        if (problem != null) {
            throw new GuestVerificationException(description, List.of(problem));
        }
    }

    private boolean implementsKernel(String internal) {
        String want = GuestKernel.class.getName().replace('.', '/');
        List<String> todo = new ArrayList<>(List.of(internal));
        while (!todo.isEmpty()) {
            String n = todo.remove(todo.size() - 1);
            if (n.equals(want)) {
                return true;
            }
            ClassNode c = nodes.get(n);
            if (c != null) {
                if (c.superName != null) {
                    todo.add(c.superName);
                }
                todo.addAll(c.interfaces);
            }
        }
        return false;
    }

    private static boolean isPublicNoArgConstructor(MethodNode m) {
        return m.name.equals("<init>") && m.desc.equals("()V") && (m.access & Opcodes.ACC_PUBLIC) != 0;
    }

    /** Internal names of every guest class in the image. */
    public Set<String> classNames() {
        return classes.keySet();
    }

    /** The class file the domain loader defines for {@code internalName} (instrumented unless BARE). */
    public byte[] classFile(String internalName) {
        byte[] b = classes.get(internalName);
        return b == null ? null : b.clone();
    }

    public Mode mode() {
        return mode;
    }

    /** Where the code came from (kernel paths and the SDK), for messages. */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return "GuestImage[" + description + ", " + classes.size() + " classes, " + mode + "]";
    }
}
