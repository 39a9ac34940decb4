package dev.domus.hv.loader;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Rewrites verified guest classes so the hypervisor keeps control of them, by inserting
 * calls to {@link GuestRuntime}:
 * <ul>
 *   <li>a safepoint ({@code poll}) before every backward jump, so every loop polls;</li>
 *   <li>at the entry of every method, a safepoint and one frame against the depth bound
 *       ({@code enter}), undone on every return and, through a catch-all handler placed last
 *       in the exception table, on every exceptional exit ({@code exit}); constructors and
 *       static initializers only poll, and overflow there ends in the JVM's own
 *       {@code StackOverflowError}, which no guest handler can catch either;</li>
 *   <li>on entry to every exception handler (through a trampoline outside every guest try
 *       range), {@code handler(caught)}, which rethrows
 *       terminations and {@code VirtualMachineError}s and turns a catch on a dying domain into
 *       its termination;</li>
 *   <li>around every array allocation and array clone, the size (refused up front if it
 *       cannot fit the quota) and the new array (for sampling); at the end of every guest
 *       constructor, the object and the bytes its class's own fields take.</li>
 * </ul>
 * The stack map frames of the original code stay valid: inserted code never branches (but
 * for the trampolines, which carry a copy of their handler's frame), keeps the operand
 * stack as it found it, and the inserted catch-all handler declares no locals.
 */
final class GuestInstrumenter {

    private static final String RT = GuestRuntime.INTERNAL_NAME;

    private final Map<String, ClassNode> guest;

    GuestInstrumenter(Map<String, ClassNode> guest) {
        this.guest = guest;
    }

    /** Instruments {@code c} in place and returns its class file. */
    byte[] instrument(ClassNode c) {
        for (MethodNode m : c.methods) {
            if (m.instructions.size() > 0) {
                instrument(c, m);
            }
        }
        ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        c.accept(w);
        return w.toByteArray();
    }

    private void instrument(ClassNode c, MethodNode m) {
        InsnList code = m.instructions;
        boolean constructor = m.name.equals("<init>");
        boolean countsDepth = !constructor && !m.name.equals("<clinit>");

        // Find the backward jumps before changing anything.
        Map<AbstractInsnNode, Integer> index = new HashMap<>();
        int i = 0;
        for (AbstractInsnNode n = code.getFirst(); n != null; n = n.getNext()) {
            index.put(n, i++);
        }
        List<AbstractInsnNode> backEdges = new ArrayList<>();
        List<AbstractInsnNode> allocations = new ArrayList<>();
        List<AbstractInsnNode> returns = new ArrayList<>();
        for (AbstractInsnNode n = code.getFirst(); n != null; n = n.getNext()) {
            int at = index.get(n);
            if (n instanceof JumpInsnNode j && index.get(j.label) <= at) {
                backEdges.add(n);
            } else if (n instanceof TableSwitchInsnNode t && jumpsBack(index, at, t.dflt, t.labels)) {
                backEdges.add(n);
            } else if (n instanceof LookupSwitchInsnNode l && jumpsBack(index, at, l.dflt, l.labels)) {
                backEdges.add(n);
            }
            int op = n.getOpcode();
            if (op == Opcodes.NEWARRAY || op == Opcodes.ANEWARRAY || op == Opcodes.MULTIANEWARRAY
                    || (n instanceof MethodInsnNode mi && mi.owner.startsWith("[") && mi.name.equals("clone"))) {
                allocations.add(n);
            }
            if (op >= Opcodes.IRETURN && op <= Opcodes.RETURN) {
                returns.add(n);
            }
        }
        Set<LabelNode> handlers = new HashSet<>();
        for (TryCatchBlockNode t : m.tryCatchBlocks) {
            handlers.add(t.handler);
        }

        for (AbstractInsnNode n : backEdges) {
            code.insertBefore(n, call("poll", "()V"));
        }
        // Each handler is entered through a trampoline at the end of the method, outside every
        // guest range: javac's finally handlers cover their own first instruction, so a
        // prologue placed in the handler itself could catch its own rethrow forever.
        Map<LabelNode, LabelNode> trampolines = new HashMap<>();
        for (LabelNode h : handlers) {
            FrameNode frame = frameAt(h);
            LabelNode t = new LabelNode();
            code.add(t);
            code.add(new FrameNode(Opcodes.F_NEW, frame.local.size(), frame.local.toArray(),
                    frame.stack.size(), frame.stack.toArray()));
            code.add(new InsnNode(Opcodes.DUP));
            code.add(call("handler", "(Ljava/lang/Throwable;)V"));
            code.add(new JumpInsnNode(Opcodes.GOTO, h));
            trampolines.put(h, t);
        }
        for (TryCatchBlockNode t : m.tryCatchBlocks) {
            t.handler = trampolines.get(t.handler);
        }
        for (AbstractInsnNode n : allocations) {
            instrumentAllocation(m, n);
        }
        if (constructor && guest.containsKey(c.name)) {
            int bytes = ownBytes(c);
            for (AbstractInsnNode r : returns) {
                InsnList l = new InsnList();
                l.add(new VarInsnNode(Opcodes.ALOAD, 0));
                l.add(pushInt(bytes));
                l.add(call("constructed", "(Ljava/lang/Object;I)V"));
                code.insertBefore(r, l);
            }
        }
        if (!countsDepth) {
            code.insert(call("poll", "()V"));
            return;
        }
        for (AbstractInsnNode r : returns) {
            code.insertBefore(r, call("exit", "()V"));
        }
        LabelNode start = new LabelNode();
        LabelNode end = new LabelNode();
        LabelNode onThrow = new LabelNode();
        InsnList entry = new InsnList();
        entry.add(call("enter", "()V"));
        entry.add(start);
        code.insert(entry);
        code.add(end);
        code.add(onThrow);
        code.add(new FrameNode(Opcodes.F_NEW, 0, new Object[0], 1, new Object[] {"java/lang/Throwable"}));
        code.add(call("exit", "()V"));
        code.add(new InsnNode(Opcodes.ATHROW));
        // Last in the table: the guest's own handlers are searched first.
        m.tryCatchBlocks.add(new TryCatchBlockNode(start, end, onThrow, null));
    }

    private void instrumentAllocation(MethodNode m, AbstractInsnNode n) {
        InsnList code = m.instructions;
        InsnList before = new InsnList();
        if (n.getOpcode() == Opcodes.NEWARRAY) {
            before.add(new InsnNode(Opcodes.DUP));
            before.add(pushInt(primitiveShift(((IntInsnNode) n).operand)));
            before.add(call("beforeArray", "(II)V"));
        } else if (n.getOpcode() == Opcodes.ANEWARRAY) {
            before.add(new InsnNode(Opcodes.DUP));
            before.add(pushInt(2));
            before.add(call("beforeArray", "(II)V"));
        } else if (n instanceof MultiANewArrayInsnNode mn) {
            int dims = mn.dims;
            int base = m.maxLocals;
            m.maxLocals += dims;
            for (int d = dims - 1; d >= 0; d--) {
                before.add(new VarInsnNode(Opcodes.ISTORE, base + d));
            }
            before.add(pushInt(dims));
            before.add(new IntInsnNode(Opcodes.NEWARRAY, Opcodes.T_INT));
            for (int d = 0; d < dims; d++) {
                before.add(new InsnNode(Opcodes.DUP));
                before.add(pushInt(d));
                before.add(new VarInsnNode(Opcodes.ILOAD, base + d));
                before.add(new InsnNode(Opcodes.IASTORE));
            }
            before.add(pushInt(leafShift(mn.desc, dims)));
            before.add(call("beforeMultiArray", "([II)V"));
            for (int d = 0; d < dims; d++) {
                before.add(new VarInsnNode(Opcodes.ILOAD, base + d));
            }
        } else {
            before.add(new InsnNode(Opcodes.DUP));
            before.add(call("beforeClone", "(Ljava/lang/Object;)V"));
        }
        code.insertBefore(n, before);
        InsnList after = new InsnList();
        after.add(new InsnNode(Opcodes.DUP));
        after.add(call("afterArray", "(Ljava/lang/Object;)V"));
        code.insert(n, after);
    }

    /** Bytes the fields declared by {@code c} add to an object (plus the header at the root). */
    private int ownBytes(ClassNode c) {
        int bytes = guest.containsKey(c.superName) ? 0 : GuestRuntime.OBJECT_HEADER;
        for (FieldNode f : c.fields) {
            if ((f.access & Opcodes.ACC_STATIC) == 0) {
                bytes += switch (Type.getType(f.desc).getSort()) {
                    case Type.LONG, Type.DOUBLE -> 8;
                    case Type.INT, Type.FLOAT, Type.OBJECT, Type.ARRAY -> 4;
                    case Type.SHORT, Type.CHAR -> 2;
                    default -> 1;
                };
            }
        }
        return bytes;
    }

    private static int leafShift(String desc, int dims) {
        Type leaf = Type.getType(desc.substring(dims));
        return switch (leaf.getSort()) {
            case Type.LONG, Type.DOUBLE -> 3;
            case Type.SHORT, Type.CHAR -> 1;
            case Type.BYTE, Type.BOOLEAN -> 0;
            default -> 2;
        };
    }

    private static int primitiveShift(int arrayType) {
        return switch (arrayType) {
            case Opcodes.T_LONG, Opcodes.T_DOUBLE -> 3;
            case Opcodes.T_INT, Opcodes.T_FLOAT -> 2;
            case Opcodes.T_SHORT, Opcodes.T_CHAR -> 1;
            default -> 0;
        };
    }

    private static boolean jumpsBack(Map<AbstractInsnNode, Integer> index, int at, LabelNode dflt, List<LabelNode> labels) {
        if (index.get(dflt) <= at) {
            return true;
        }
        for (LabelNode l : labels) {
            if (index.get(l) <= at) {
                return true;
            }
        }
        return false;
    }

    /** The stack map frame at {@code label} (class files since Java 7 have one at every handler). */
    private static FrameNode frameAt(LabelNode label) {
        for (AbstractInsnNode n = label.getNext(); n != null && n.getOpcode() < 0; n = n.getNext()) {
            if (n instanceof FrameNode f) {
                return f;
            }
        }
        throw new IllegalStateException("exception handler without a stack map frame");
    }

    private static MethodInsnNode call(String name, String desc) {
        return new MethodInsnNode(Opcodes.INVOKESTATIC, RT, name, desc, false);
    }

    private static AbstractInsnNode pushInt(int v) {
        if (v >= -1 && v <= 5) {
            return new InsnNode(Opcodes.ICONST_0 + v);
        }
        if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            return new IntInsnNode(Opcodes.BIPUSH, v);
        }
        if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            return new IntInsnNode(Opcodes.SIPUSH, v);
        }
        return new org.objectweb.asm.tree.LdcInsnNode(v);
    }

}
