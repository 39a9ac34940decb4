package dev.domus.hv.loader;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * The code of a kernel named only by its class (no class path: the sample guests, and tests):
 * the kernel class and every class it uses, transitively, that lives in the same class-path
 * root (jar or directory) as the kernel. Classes from other roots are not taken in: the
 * verifier then refuses the references to them unless they are allowed host classes or the
 * SDK's (the SDK is located and added on its own; the kernel's root wins for a class both have).
 */
final class KernelClosure {

    private KernelClosure() {
    }

    /**
     * Collects the closure of {@code className} from {@code host}'s class path.
     *
     * @throws IOException if the kernel class is not on the class path or cannot be read
     */
    static GuestCodeSource of(String className, ClassLoader host) throws IOException {
        String kernel = className.replace('.', '/');
        URL url = host.getResource(kernel + ".class");
        if (url == null) {
            throw new IOException("kernel class not found: " + className + " (it is not on the host's class path; "
                    + "give the kernel's jar or class directory as its class path)");
        }
        String s = url.toString();
        String root = s.substring(0, s.length() - (kernel + ".class").length());
        Map<String, byte[]> classes = new TreeMap<>();
        Deque<String> todo = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        todo.add(kernel);
        while (!todo.isEmpty()) {
            String n = todo.poll();
            if (!seen.add(n) || GuestAllowList.isDelegated(n)) {
                continue;
            }
            URL u = host.getResource(n + ".class");
            if (u == null || !u.toString().equals(root + n + ".class")) {
                continue; // elsewhere or nowhere: the verifier will name the reference
            }
            byte[] bytes;
            try (InputStream in = u.openStream()) {
                bytes = in.readAllBytes();
            }
            classes.put(n, bytes);
            ClassNode c = new ClassNode();
            try {
                new ClassReader(bytes).accept(c, ClassReader.SKIP_FRAMES);
            } catch (RuntimeException e) {
                continue; // the verifier reports the bad class file
            }
            references(c, todo);
        }
        return GuestCodeSource.ofClasses(root + " (classes reachable from " + className + ")", classes);
    }

    /** Adds to {@code out} every class {@code c}'s code and declarations name. */
    private static void references(ClassNode c, Deque<String> out) {
        if (c.superName != null) {
            out.add(c.superName);
        }
        out.addAll(c.interfaces);
        for (FieldNode f : c.fields) {
            type(Type.getType(f.desc), out);
        }
        for (MethodNode m : c.methods) {
            type(Type.getMethodType(m.desc), out);
            for (TryCatchBlockNode t : m.tryCatchBlocks) {
                if (t.type != null) {
                    out.add(t.type);
                }
            }
            for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
                if (i instanceof MethodInsnNode mi) {
                    owner(mi.owner, out);
                    type(Type.getMethodType(mi.desc), out);
                } else if (i instanceof FieldInsnNode fi) {
                    owner(fi.owner, out);
                    type(Type.getType(fi.desc), out);
                } else if (i instanceof TypeInsnNode ti) {
                    owner(ti.desc, out);
                } else if (i instanceof MultiANewArrayInsnNode mn) {
                    type(Type.getType(mn.desc), out);
                } else if (i instanceof LdcInsnNode ldc && ldc.cst instanceof Type t) {
                    type(t, out);
                } else if (i instanceof InvokeDynamicInsnNode indy) {
                    type(Type.getMethodType(indy.desc), out);
                    for (Object a : indy.bsmArgs) {
                        if (a instanceof Handle h) {
                            owner(h.getOwner(), out);
                        } else if (a instanceof Type t) {
                            type(t, out);
                        }
                    }
                }
            }
        }
    }

    private static void owner(String internalNameOrArray, Deque<String> out) {
        if (internalNameOrArray.startsWith("[")) {
            type(Type.getType(internalNameOrArray), out);
        } else {
            out.add(internalNameOrArray);
        }
    }

    private static void type(Type t, Deque<String> out) {
        switch (t.getSort()) {
            case Type.METHOD -> {
                for (Type a : t.getArgumentTypes()) {
                    type(a, out);
                }
                type(t.getReturnType(), out);
            }
            case Type.ARRAY -> type(t.getElementType(), out);
            case Type.OBJECT -> out.add(t.getInternalName());
            default -> {
            }
        }
    }
}
