package dev.domus.hv.loader.guests;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.VcpuContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Guest kernels that each break one rule of the verifier. They are compiled as test
 * sources, copied one by one into a kernel directory, and must be refused at load; none of
 * them ever runs.
 */
@SuppressWarnings({"removal", "deprecation", "unused"})
public final class HostileGuests {

    private HostileGuests() {
    }

    public static class ClassForName implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) throws Exception {
            Class.forName("dev.domus.hv.loader.GuestLoader");
        }
    }

    public static class ReflectMethods implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) throws Exception {
            java.lang.reflect.Method m = vcpu.getClass().getDeclaredMethods()[0];
            m.setAccessible(true);
        }
    }

    public static class MethodHandleLookup implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) throws Exception {
            java.lang.invoke.MethodHandles.lookup().findStatic(Math.class, "abs",
                    java.lang.invoke.MethodType.methodType(int.class, int.class));
        }
    }

    public static class UsesUnsafe implements GuestKernel {
        static sun.misc.Unsafe unsafe;

        @Override
        public void start(VcpuContext vcpu) {
            unsafe.putLong(0L, 0L);
        }
    }

    public static class NativeMethod implements GuestKernel {
        native void escape();

        @Override
        public void start(VcpuContext vcpu) {
            escape();
        }
    }

    public static class StartsThread implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            new Thread(() -> { }).start();
        }
    }

    public static class ExtendsThread extends Thread implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
        }
    }

    public static class UsesExecutor implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            java.util.concurrent.Executors.newSingleThreadExecutor().submit(() -> { });
        }
    }

    public static class SynchronizedMethod implements GuestKernel {
        @Override
        public synchronized void start(VcpuContext vcpu) {
        }
    }

    public static class SynchronizedBlock implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            synchronized (this) {
                vcpu.vcpuId();
            }
        }
    }

    public static class WaitsOnMonitor implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) throws Exception {
            vcpu.wait();
        }
    }

    public static class GetsClassLoader implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) throws Exception {
            getClass().getClassLoader().loadClass("dev.domus.hv.loader.GuestLoader");
        }
    }

    public static class SystemExit implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            System.exit(1);
        }
    }

    public static class ReadsClock implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            vcpu.gate().call(0, System.nanoTime());
        }
    }

    public static class ReadsProperty implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            String home = System.getProperty("user.home");
        }
    }

    public static class ReadsPropertyThroughInteger implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            Integer.getInteger("x");
        }
    }

    public static class UsesRuntime implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) throws Exception {
            Runtime.getRuntime().halt(1);
        }
    }

    public static class ReadsFile implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) throws Exception {
            java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/etc/passwd"));
        }
    }

    public static class OpensSocket implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) throws Exception {
            new java.net.Socket("127.0.0.1", 1).close();
        }
    }

    public static class StartsProcess implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) throws Exception {
            new ProcessBuilder("true").start();
        }
    }

    public static class Serializes implements GuestKernel, java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public void start(VcpuContext vcpu) throws Exception {
        }
    }

    public static class NamesTheRuntime implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            dev.domus.hv.loader.GuestRuntime.exit();
        }
    }

    public static class UsesAgrona implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            new org.agrona.concurrent.UnsafeBuffer(4096L, 8).putLong(0, 1L);
        }
    }

    public static class UsesStreams implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            List<Integer> l = new ArrayList<>();
            l.stream().count();
        }
    }

    public static class ParallelSort implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            Arrays.parallelSort(new int[] {3, 2, 1});
        }
    }

    public static class InternsStrings implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            String s = ("a" + vcpu.vcpuId()).intern();
        }
    }

    public static class HasFinalizer implements GuestKernel {
        @Override
        protected void finalize() {
            while (true) {
                Math.abs(1);
            }
        }

        @Override
        public void start(VcpuContext vcpu) {
        }
    }

    public static class SerializableLambda implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            Runnable r = (Runnable & java.io.Serializable) () -> { };
            r.run();
        }
    }

    public static class MethodReferenceToForbidden implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            Runnable r = System::gc;
            r.run();
        }
    }

    public static class MathRandom implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            vcpu.gate().call(0, (long) (Math.random() * 10));
        }
    }

    public static class PrintsStackTrace implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            new IllegalStateException().printStackTrace();
        }
    }

    /** A guest exception subclass calling an inherited refused method. */
    public static class InheritedRefusedMember implements GuestKernel {
        static class MyException extends RuntimeException {
            private static final long serialVersionUID = 1L;
        }

        @Override
        public void start(VcpuContext vcpu) {
            new MyException().printStackTrace();
        }
    }
}
