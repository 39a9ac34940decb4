package dev.domus.hv.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.hv.loader.guests.Features;
import dev.domus.hv.loader.guests.HostileGuests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** Every rule of the verifier, one hostile guest each, and the well-behaved guest that passes. */
class GuestVerifierTest {

    @TempDir
    Path tmp;

    static Stream<Arguments> hostileGuests() {
        return Stream.of(
                Arguments.of(HostileGuests.ClassForName.class, "java.lang.Class.forName", "reflection"),
                Arguments.of(HostileGuests.ReflectMethods.class, "java.lang.reflect.Method", "reflection"),
                Arguments.of(HostileGuests.MethodHandleLookup.class, "java.lang.invoke.MethodHandles", "method handles"),
                Arguments.of(HostileGuests.UsesUnsafe.class, "sun.misc.Unsafe", "Unsafe"),
                Arguments.of(HostileGuests.NativeMethod.class, "escape()V", "native methods"),
                Arguments.of(HostileGuests.StartsThread.class, "java.lang.Thread.<init>", "threads"),
                Arguments.of(HostileGuests.ExtendsThread.class, "java.lang.Thread may not be extended", "superclass"),
                Arguments.of(HostileGuests.UsesExecutor.class, "java.util.concurrent.Executors", "java.util.concurrent"),
                Arguments.of(HostileGuests.SynchronizedMethod.class, "start(Ldev/domus/abi/VcpuContext;)V", "synchronized methods"),
                Arguments.of(HostileGuests.SynchronizedBlock.class, "MONITORENTER", "synchronized blocks"),
                Arguments.of(HostileGuests.WaitsOnMonitor.class, "java.lang.Object.wait", "monitors"),
                Arguments.of(HostileGuests.GetsClassLoader.class, "java.lang.Class.getClassLoader", "reflection"),
                Arguments.of(HostileGuests.SystemExit.class, "java.lang.System.exit", "System/Runtime"),
                Arguments.of(HostileGuests.ReadsClock.class, "java.lang.System.nanoTime", "System/Runtime"),
                Arguments.of(HostileGuests.ReadsProperty.class, "java.lang.System.getProperty", "System/Runtime"),
                Arguments.of(HostileGuests.ReadsPropertyThroughInteger.class, "java.lang.Integer.getInteger", "allow-list"),
                Arguments.of(HostileGuests.UsesRuntime.class, "java.lang.Runtime", "System/Runtime"),
                Arguments.of(HostileGuests.ReadsFile.class, "java.nio.file.Files", "files"),
                Arguments.of(HostileGuests.OpensSocket.class, "java.net.Socket", "sockets"),
                Arguments.of(HostileGuests.StartsProcess.class, "java.lang.ProcessBuilder", "processes"),
                Arguments.of(HostileGuests.Serializes.class, "java.io.Serializable", "serialization"),
                Arguments.of(HostileGuests.NamesTheRuntime.class, "dev.domus.hv.loader.GuestRuntime", "hypervisor"),
                Arguments.of(HostileGuests.UsesAgrona.class, "org.agrona.concurrent.UnsafeBuffer", "Agrona"),
                Arguments.of(HostileGuests.UsesStreams.class, "java.util.stream.Stream", "streams"),
                Arguments.of(HostileGuests.ParallelSort.class, "java.util.Arrays.parallelSort", "allow-list"),
                Arguments.of(HostileGuests.InternsStrings.class, "java.lang.String.intern", "allow-list"),
                Arguments.of(HostileGuests.HasFinalizer.class, "finalize()V", "finalizers"),
                Arguments.of(HostileGuests.SerializableLambda.class, "altMetafactory", "invokedynamic"),
                Arguments.of(HostileGuests.MethodReferenceToForbidden.class, "java.lang.System.gc", "System/Runtime"),
                Arguments.of(HostileGuests.MathRandom.class, "java.lang.Math.random", "allow-list"),
                Arguments.of(HostileGuests.PrintsStackTrace.class, "java.lang.Throwable.printStackTrace", "allow-list"),
                Arguments.of(HostileGuests.InheritedRefusedMember.class, "java.lang.Throwable.printStackTrace", "allow-list"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileGuests")
    void hostileGuestIsRefusedWithAMessageNamingTheOffence(Class<?> guest, String names, String why) {
        GuestVerificationException e = assertThrows(GuestVerificationException.class,
                () -> TestGuests.load(tmp, guest, 1 << 20));
        String msg = e.getMessage();
        assertTrue(msg.contains("class " + guest.getName()), () -> "names the class: " + msg);
        assertTrue(msg.contains(names), () -> "names " + names + ": " + msg);
        assertTrue(msg.contains(why), () -> "says why (" + why + "): " + msg);
        assertTrue(msg.contains("method ") || msg.contains("superclass") || msg.contains("interface"),
                () -> "names the method or declaration: " + msg);
    }

    @Test
    void wellBehavedGuestUsingTheWholeLanguagePasses() throws Exception {
        LoadedGuest g = TestGuests.load(tmp, Features.class, 16 << 20);
        assertEquals(Features.class.getName(), g.kernelClass().getName());
        assertTrue(g.kernelClass().getClassLoader() instanceof GuestClassLoader);
    }

    @Test
    void everyProblemIsListedNotOnlyTheFirst() {
        GuestVerificationException e = assertThrows(GuestVerificationException.class,
                () -> TestGuests.load(tmp, HostileGuests.ReadsFile.class, 1 << 20));
        assertTrue(e.problems().size() >= 2, () -> "Files and Path both named: " + e.problems());
        assertTrue(e.problems().stream().allMatch(p -> p.contains("line ")), () -> "with line numbers: " + e.problems());
    }

    @Test
    void kernelClassThatIsNotAGuestKernelIsRefused() throws Exception {
        GuestImage image = GuestImage.prepare(List.of(GuestCodeSource.of(
                TestGuests.kernelDir(tmp, Features.class))), Optional.empty(), GuestImage.Mode.INSTRUMENTED);
        GuestVerificationException e = assertThrows(GuestVerificationException.class,
                () -> GuestLoader.load(image, Features.class.getName() + "$Point", "d", 1 << 20));
        assertTrue(e.getMessage().contains("must be a public") || e.getMessage().contains("GuestKernel"), e::getMessage);
        GuestVerificationException missing = assertThrows(GuestVerificationException.class,
                () -> GuestLoader.load(image, "no.such.Kernel", "d", 1 << 20));
        assertTrue(missing.getMessage().contains("no.such.Kernel is not among the guest's classes"), missing::getMessage);
    }

    // Hostile bytecode javac would never write, crafted with ASM.

    @Test
    void foreignInvokedynamicBootstrapIsRefused() throws Exception {
        byte[] b = crafted("evil/Indy", mv -> {
            Handle bsm = new Handle(Opcodes.H_INVOKESTATIC, "java/lang/invoke/ConstantBootstraps", "nullConstant",
                    "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;)Ljava/lang/Object;", false);
            mv.visitInvokeDynamicInsn("x", "()Ljava/lang/Object;", bsm);
            mv.visitInsn(Opcodes.POP);
        });
        String msg = refuse("evil/Indy", b);
        assertTrue(msg.contains("INVOKEDYNAMIC x()Ljava/lang/Object; via java/lang/invoke/ConstantBootstraps.nullConstant"), msg);
    }

    @Test
    void methodHandleConstantIsRefused() throws Exception {
        byte[] b = crafted("evil/Ldc", mv -> {
            mv.visitLdcInsn(new Handle(Opcodes.H_INVOKESTATIC, "java/lang/Math", "abs", "(I)I", false));
            mv.visitInsn(Opcodes.POP);
        });
        assertTrue(refuse("evil/Ldc", b).contains("method handle java/lang/Math.abs(I)I"));
    }

    @Test
    void monitorInstructionsAreRefusedEvenWithoutSynchronizedSource() throws Exception {
        byte[] b = crafted("evil/Monitor", mv -> {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitInsn(Opcodes.MONITORENTER);
        });
        assertTrue(refuse("evil/Monitor", b).contains("MONITORENTER: synchronized blocks"));
    }

    @Test
    void classInAHostNamespaceIsRefused() throws Exception {
        byte[] b = crafted("dev/domus/hv/loader/GuestRuntime", mv -> { });
        assertTrue(refuse("dev/domus/hv/loader/GuestRuntime", b).contains("reserved for the host"));
    }

    @Test
    void garbageClassFileIsRefused() throws Exception {
        String msg = refuse("evil/Garbage", new byte[] {(byte) 0xCA, (byte) 0xFE, 1, 2, 3});
        assertTrue(msg.contains("evil/Garbage.class is not a valid class file"), msg);
    }

    private String refuse(String name, byte[] bytes) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("crafted"));
        Path f = dir.resolve(name + ".class");
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
        GuestVerificationException e = assertThrows(GuestVerificationException.class, () -> GuestImage.prepare(
                List.of(GuestCodeSource.of(dir)), Optional.empty(), GuestImage.Mode.INSTRUMENTED));
        return e.getMessage();
    }

    interface Body {
        void emit(MethodVisitor mv);
    }

    /** A class with one instance method {@code run()V} whose body is {@code body} then return. */
    static byte[] crafted(String name, Body body) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, name, null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "run", "()V", null, null);
        mv.visitCode();
        body.emit(mv);
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }
}
