package dev.domus.hv.loader;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Checks a guest's classes, all of them, before any runs: the rules of DESIGN.md's "Guest
 * isolation" over the original bytecode (instrumentation comes after, so a guest cannot
 * call the instrumentation's runtime itself).
 *
 * <p>Refused: any reference to a host class outside {@link GuestAllowList} (reflection,
 * method handles, {@code Unsafe}, {@code jdk.internal}, {@code sun.*}, threads and
 * {@code java.util.concurrent}, class loaders, {@code System}/{@code Runtime}, files,
 * sockets, processes, serialization, hypervisor, Dom0 and Agrona classes), a refused member
 * of an allowed class, native methods, {@code synchronized} methods and blocks, finalizers
 * (they would run on a host thread), {@code invokedynamic} other than the permitted
 * bootstraps, method-handle and dynamic constants, class files older than Java 8, classes
 * named in a host namespace, and constructors that overwrite {@code this}.
 */
public final class GuestVerifier {

    /** Oldest class file version accepted: Java 8 (stack map frames everywhere). */
    static final int MIN_CLASS_VERSION = Opcodes.V1_8;

    private final Map<String, ClassNode> guest;
    private final List<String> problems = new ArrayList<>();
    private static final Map<String, List<String>> HOST_ANCESTORS = new ConcurrentHashMap<>();

    private GuestVerifier(Map<String, ClassNode> guest) {
        this.guest = guest;
    }

    /**
     * Verifies every class of {@code guest} (internal name to parsed class, read with frames
     * expanded or not) and returns the problems found, empty when all pass.
     */
    public static List<String> verify(Map<String, ClassNode> guest) {
        GuestVerifier v = new GuestVerifier(guest);
        guest.values().stream()
                .sorted((a, b) -> a.name.compareTo(b.name))
                .forEach(v::checkClass);
        return List.copyOf(v.problems);
    }

    private void checkClass(ClassNode c) {
        String where = "class " + c.name.replace('/', '.');
        if ((c.version & 0xFFFF) < MIN_CLASS_VERSION) {
            problems.add(where + ": class file version " + (c.version & 0xFFFF)
                    + " is older than Java 8; compile guests for Java 8 or later");
        }
        if (GuestAllowList.isDelegated(c.name) || c.name.startsWith("java/")
                || c.name.startsWith("javax/") || c.name.startsWith("jdk/") || c.name.startsWith("sun/")) {
            problems.add(where + ": the name is reserved for the host");
        }
        if (c.superName != null && checkType(() -> where + ", superclass", c.superName)) {
            GuestAllowList.Rule r = GuestAllowList.jdkRule(c.superName);
            if (r != null && r.onlyListed()) {
                problems.add(where + ", superclass: " + c.superName.replace('/', '.')
                        + " may not be extended by guests");
            }
        }
        for (String i : c.interfaces) {
            checkType(() -> where + ", interface", i);
        }
        for (FieldNode f : c.fields) {
            checkDescriptor(() -> where + ", field " + f.name, Type.getType(f.desc));
        }
        for (MethodNode m : c.methods) {
            checkMethod(c, m, where + ", method " + m.name + m.desc);
        }
    }

    private void checkMethod(ClassNode c, MethodNode m, String where) {
        checkDescriptor(() -> where, Type.getMethodType(m.desc));
        if ((m.access & Opcodes.ACC_NATIVE) != 0) {
            problems.add(where + ": native methods are not available to guests");
        }
        if ((m.access & Opcodes.ACC_SYNCHRONIZED) != 0) {
            problems.add(where + ": synchronized methods are not available to guests "
                    + "(a vCPU blocked on a monitor would hold its pCPU; use a spin lock in guest memory)");
        }
        if (m.name.equals("finalize") && m.desc.equals("()V") && (m.access & Opcodes.ACC_STATIC) == 0) {
            problems.add(where + ": finalizers are not available to guests (they would run on a host thread)");
        }
        for (TryCatchBlockNode t : m.tryCatchBlocks) {
            if (t.type != null) {
                checkType(() -> where + ", catch", t.type);
            }
        }
        boolean constructor = m.name.equals("<init>");
        int line = -1;
        for (AbstractInsnNode insn = m.instructions.getFirst(); insn != null; insn = insn.getNext()) {
            if (insn instanceof LineNumberNode ln) {
                line = ln.line;
                continue;
            }
            int ln = line;
            Supplier<String> at = () -> where + (ln >= 0 ? ", line " + ln : "") + ", instruction ";
            switch (insn.getType()) {
                case AbstractInsnNode.METHOD_INSN -> {
                    MethodInsnNode mi = (MethodInsnNode) insn;
                    checkMember(() -> at.get() + opcode(mi.getOpcode()) + " " + mi.owner + "." + mi.name + mi.desc,
                            mi.owner, mi.name, mi.desc, true);
                }
                case AbstractInsnNode.FIELD_INSN -> {
                    FieldInsnNode fi = (FieldInsnNode) insn;
                    checkMember(() -> at.get() + opcode(fi.getOpcode()) + " " + fi.owner + "." + fi.name + ":" + fi.desc,
                            fi.owner, fi.name, fi.desc, false);
                }
                case AbstractInsnNode.TYPE_INSN -> {
                    TypeInsnNode ti = (TypeInsnNode) insn;
                    checkType(() -> at.get() + opcode(ti.getOpcode()) + " " + ti.desc, ti.desc);
                }
                case AbstractInsnNode.MULTIANEWARRAY_INSN -> {
                    MultiANewArrayInsnNode mn = (MultiANewArrayInsnNode) insn;
                    checkDescriptor(() -> at.get() + "MULTIANEWARRAY " + mn.desc, Type.getType(mn.desc));
                }
                case AbstractInsnNode.LDC_INSN -> checkConstant(() -> at.get() + "LDC", ((LdcInsnNode) insn).cst);
                case AbstractInsnNode.INVOKE_DYNAMIC_INSN -> checkIndy(c, at, (InvokeDynamicInsnNode) insn);
                case AbstractInsnNode.INSN -> {
                    int op = insn.getOpcode();
                    if (op == Opcodes.MONITORENTER || op == Opcodes.MONITOREXIT) {
                        problems.add(at.get() + opcode(op) + ": synchronized blocks are not available to guests "
                                + "(a vCPU blocked on a monitor would hold its pCPU; use a spin lock in guest memory)");
                    }
                }
                case AbstractInsnNode.VAR_INSN -> {
                    VarInsnNode vi = (VarInsnNode) insn;
                    if (constructor && vi.var == 0 && vi.getOpcode() == Opcodes.ASTORE) {
                        problems.add(at.get() + "ASTORE 0: a constructor may not overwrite 'this'");
                    }
                }
                default -> {
                }
            }
        }
    }

    private void checkIndy(ClassNode c, Supplier<String> at, InvokeDynamicInsnNode indy) {
        Handle bsm = indy.bsm;
        String id = bsm.getOwner() + "." + bsm.getName() + bsm.getDesc();
        Supplier<String> here = () -> at.get() + "INVOKEDYNAMIC " + indy.name + indy.desc + " via " + bsm.getOwner() + "." + bsm.getName();
        if (bsm.getTag() != Opcodes.H_INVOKESTATIC || !GuestAllowList.BOOTSTRAPS.contains(id)) {
            problems.add(here.get() + ": only lambdas (LambdaMetafactory.metafactory), string concatenation "
                    + "(StringConcatFactory.makeConcatWithConstants) and records (ObjectMethods.bootstrap) "
                    + "may use invokedynamic");
            return;
        }
        checkDescriptor(here, Type.getMethodType(indy.desc));
        boolean record = bsm.getOwner().equals("java/lang/runtime/ObjectMethods");
        for (Object arg : indy.bsmArgs) {
            if (arg instanceof Handle h) {
                if (record && (h.getTag() != Opcodes.H_GETFIELD || !h.getOwner().equals(c.name))) {
                    problems.add(here.get() + ": a record bootstrap may only name the record's own fields");
                } else {
                    checkHandle(here, h);
                }
            } else if (arg instanceof Type t) {
                checkDescriptor(here, t);
            } else if (arg instanceof ConstantDynamic) {
                problems.add(here.get() + ": dynamic constants are not available to guests");
            }
        }
    }

    private void checkHandle(Supplier<String> at, Handle h) {
        boolean method = h.getTag() >= Opcodes.H_INVOKEVIRTUAL;
        checkMember(() -> at.get() + ", method reference " + h.getOwner() + "." + h.getName() + h.getDesc(),
                h.getOwner(), h.getName(), h.getDesc(), method);
    }

    private void checkConstant(Supplier<String> at, Object cst) {
        if (cst instanceof Type t) {
            checkDescriptor(() -> at.get() + " " + t.getDescriptor(), t);
        } else if (cst instanceof Handle h) {
            problems.add(at.get() + " method handle " + h.getOwner() + "." + h.getName() + h.getDesc()
                    + ": method handles are not available to guests");
        } else if (cst instanceof ConstantDynamic d) {
            problems.add(at.get() + " dynamic constant " + d.getName() + ": dynamic constants are not available to guests");
        }
    }

    /** Checks a field or method reference: its owner, its rule, and its descriptor's types. */
    private void checkMember(Supplier<String> at, String owner, String name, String desc, boolean method) {
        if (owner.startsWith("[")) {
            checkDescriptor(at, Type.getType(owner));
            checkHostRules(at, "java/lang/Object", name, desc);
            return;
        }
        if (!checkType(at, owner)) {
            return;
        }
        checkDescriptor(at, method ? Type.getMethodType(desc) : Type.getType(desc));
        if (!guest.containsKey(owner)) {
            checkHostRules(at, owner, name, desc);
            return;
        }
        // A guest owner: the member may still be inherited from an allowed host class.
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(owner);
        while (!todo.isEmpty()) {
            String n = todo.poll();
            if (!seen.add(n)) {
                continue;
            }
            ClassNode g = guest.get(n);
            if (g == null) {
                checkHostRules(at, n, name, desc);
                continue;
            }
            if (declares(g, name, desc, method)) {
                return;
            }
            if (g.superName != null) {
                todo.add(g.superName);
            }
            todo.addAll(g.interfaces);
        }
    }

    private static boolean declares(ClassNode g, String name, String desc, boolean method) {
        if (method) {
            return g.methods.stream().anyMatch(m -> m.name.equals(name) && m.desc.equals(desc));
        }
        return g.fields.stream().anyMatch(f -> f.name.equals(name));
    }

    /** Applies the allow-list rule of host class {@code owner} and the deny rules of its ancestors. */
    private void checkHostRules(Supplier<String> at, String owner, String name, String desc) {
        GuestAllowList.Rule rule = GuestAllowList.jdkRule(owner);
        if (rule != null && !rule.permits(name, desc)) {
            problems.add(at.get() + ": " + memberReason(owner, name));
            return;
        }
        for (String a : hostAncestors(owner)) {
            GuestAllowList.Rule r = GuestAllowList.jdkRule(a);
            if (r != null && !r.onlyListed() && !r.permits(name, desc)) {
                problems.add(at.get() + ": " + memberReason(a, name));
                return;
            }
        }
    }

    private static String memberReason(String owner, String name) {
        String member = owner.replace('/', '.') + "." + name;
        return switch (owner) {
            case "java/lang/Object" -> member + " is refused: monitors (wait/notify) are not available to guests";
            case "java/lang/Class" -> member + " is refused: reflection is not available to guests";
            case "java/lang/System" -> member + " is refused: System/Runtime are not available to guests "
                    + "(only System.arraycopy and identityHashCode)";
            case "java/lang/Thread" -> member + " is refused: threads are not available to guests";
            default -> member + " is refused by the guest allow-list (GuestAllowList)";
        };
    }

    /** Checks every class a type (field, array or method type) names. */
    private void checkDescriptor(Supplier<String> at, Type t) {
        switch (t.getSort()) {
            case Type.METHOD -> {
                for (Type a : t.getArgumentTypes()) {
                    checkDescriptor(at, a);
                }
                checkDescriptor(at, t.getReturnType());
            }
            case Type.ARRAY -> checkDescriptor(at, t.getElementType());
            case Type.OBJECT -> checkType(at, t.getInternalName());
            default -> {
            }
        }
    }

    /** True when {@code internalName} (a class or an array descriptor) may be named. */
    private boolean checkType(Supplier<String> at, String internalName) {
        if (internalName.startsWith("[")) {
            Type e = Type.getType(internalName).getElementType();
            return e.getSort() != Type.OBJECT || checkType(at, e.getInternalName());
        }
        if (guest.containsKey(internalName) || GuestAllowList.isAllowedHostClass(internalName)) {
            return true;
        }
        problems.add(at.get() + ": " + internalName.replace('/', '.') + " is refused: "
                + GuestAllowList.whyRefused(internalName));
        return false;
    }

    /** Host superclasses and superinterfaces of {@code internalName}, all the way up. */
    private static List<String> hostAncestors(String internalName) {
        return HOST_ANCESTORS.computeIfAbsent(internalName, n -> {
            List<String> out = new ArrayList<>();
            Class<?> k = hostClass(n);
            if (k == null) {
                out.add("java/lang/Object");
                return List.copyOf(out);
            }
            Deque<Class<?>> todo = new ArrayDeque<>();
            todo.add(k);
            Set<Class<?>> seen = new HashSet<>();
            while (!todo.isEmpty()) {
                Class<?> c = todo.poll();
                if (!seen.add(c)) {
                    continue;
                }
                out.add(c.getName().replace('.', '/'));
                if (c.getSuperclass() != null) {
                    todo.add(c.getSuperclass());
                }
                todo.addAll(List.of(c.getInterfaces()));
            }
            if (!out.contains("java/lang/Object")) {
                out.add("java/lang/Object"); // interfaces: their members include Object's
            }
            return List.copyOf(out);
        });
    }

    private static Class<?> hostClass(String internalName) {
        try {
            return Class.forName(internalName.replace('/', '.'), false, GuestVerifier.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    private static String opcode(int op) {
        return switch (op) {
            case Opcodes.INVOKEVIRTUAL -> "INVOKEVIRTUAL";
            case Opcodes.INVOKESPECIAL -> "INVOKESPECIAL";
            case Opcodes.INVOKESTATIC -> "INVOKESTATIC";
            case Opcodes.INVOKEINTERFACE -> "INVOKEINTERFACE";
            case Opcodes.GETFIELD -> "GETFIELD";
            case Opcodes.PUTFIELD -> "PUTFIELD";
            case Opcodes.GETSTATIC -> "GETSTATIC";
            case Opcodes.PUTSTATIC -> "PUTSTATIC";
            case Opcodes.NEW -> "NEW";
            case Opcodes.ANEWARRAY -> "ANEWARRAY";
            case Opcodes.CHECKCAST -> "CHECKCAST";
            case Opcodes.INSTANCEOF -> "INSTANCEOF";
            case Opcodes.MONITORENTER -> "MONITORENTER";
            case Opcodes.MONITOREXIT -> "MONITOREXIT";
            default -> "opcode " + op;
        };
    }
}
