package dev.domus.hv.loader;

import java.lang.reflect.Array;

/**
 * The static methods the instrumentation inserts into guest code. Guest source can never
 * call them: the verifier runs on the guest's original bytecode and refuses any reference to
 * this class, and only the instrumentation adds such calls afterwards.
 *
 * <p>Each method finds the current thread's {@link GuestThread}; on any other thread (a
 * benchmark running guest code bare) it does nothing. The fast paths are a thread read, a
 * type check and a volatile read, with no allocation.
 */
public final class GuestRuntime {

    /** Internal name, as the instrumentation writes it into guest bytecode. */
    public static final String INTERNAL_NAME = "dev/domus/hv/loader/GuestRuntime";

    /** Bytes of an array header, and of an object header (compressed class pointers). */
    static final int ARRAY_HEADER = 16;
    static final int OBJECT_HEADER = 12;

    private GuestRuntime() {
    }

    /** Safepoint at a loop back-edge. */
    public static void poll() {
        if (Thread.currentThread() instanceof GuestThread g && g.safepointRequested()) {
            g.atSafepoint();
        }
    }

    /** Method entry: a safepoint, and one more frame against the depth bound. */
    public static void enter() {
        if (Thread.currentThread() instanceof GuestThread g) {
            if (g.safepointRequested()) {
                g.atSafepoint();
            }
            g.guestState().enter();
        }
    }

    /** Method exit, normal or by exception. */
    public static void exit() {
        if (Thread.currentThread() instanceof GuestThread g) {
            g.guestState().exit();
        }
    }

    /**
     * First instruction of every guest exception handler: rethrows what no guest may catch,
     * and turns any catch on a dying domain into its termination.
     */
    public static void handler(Throwable caught) {
        if (caught instanceof GuestTermination t) {
            throw t;
        }
        if (caught instanceof VirtualMachineError e) {
            throw e;
        }
        if (Thread.currentThread() instanceof GuestThread g && g.killRequested()) {
            throw GuestTermination.killed();
        }
    }

    /** Before {@code NEWARRAY}/{@code ANEWARRAY} of {@code count} elements of {@code 1 << shift} bytes. */
    public static void beforeArray(int count, int shift) {
        if (count >= 0 && Thread.currentThread() instanceof GuestThread g) {
            g.guestState().beforeArray(ARRAY_HEADER + ((long) count << shift));
        }
    }

    /** Before {@code MULTIANEWARRAY}: the dimensions given and the leaf element size. */
    public static void beforeMultiArray(int[] dims, int leafShift) {
        if (!(Thread.currentThread() instanceof GuestThread g)) {
            return;
        }
        long total = 0;
        long arrays = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                return; // the JVM throws NegativeArraySizeException
            }
            boolean leaf = i == dims.length - 1;
            long perArray = ARRAY_HEADER + ((long) dims[i] << (leaf ? leafShift : 2));
            total = saturatingAdd(total, saturatingMul(arrays, perArray));
            arrays = saturatingMul(arrays, dims[i]);
        }
        g.guestState().beforeArray(total);
    }

    /** Before a guest clones an array (the copy is as big as the original). */
    public static void beforeClone(Object original) {
        if (original != null && original.getClass().isArray()
                && Thread.currentThread() instanceof GuestThread g) {
            Class<?> component = original.getClass().getComponentType();
            int shift = component == long.class || component == double.class ? 3
                    : component == int.class || component == float.class || !component.isPrimitive() ? 2
                    : component == short.class || component == char.class ? 1 : 0;
            g.guestState().beforeArray(ARRAY_HEADER + ((long) Array.getLength(original) << shift));
        }
    }

    /** After an array allocation (or clone) that {@code before*} announced. */
    public static void afterArray(Object array) {
        if (Thread.currentThread() instanceof GuestThread g) {
            GuestThreadState s = g.guestState();
            s.allocated(array, s.pendingBytes);
            s.pendingBytes = 0;
        }
    }

    /** At the end of a guest class's constructor: the fields this class adds to the object. */
    public static void constructed(Object self, int bytes) {
        if (Thread.currentThread() instanceof GuestThread g) {
            g.guestState().allocated(self, bytes);
        }
    }

    private static long saturatingMul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return (hi == 0 && lo >= 0) ? lo : Long.MAX_VALUE;
    }

    private static long saturatingAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }
}
