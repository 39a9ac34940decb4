package dev.domus.hv.loader;

import static dev.domus.hv.loader.guests.RunningGuests.DONE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.HypercallGate;
import dev.domus.hv.loader.guests.Features;
import dev.domus.hv.loader.guests.RunningGuests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Per-domain loading: own statics, own SDK copy, nothing of the host but the allow-list. */
@Timeout(60)
class GuestClassLoaderTest {

    @TempDir
    Path tmp;

    private static long run(LoadedGuest g, int vcpuId) throws Exception {
        TestGuests.ReportGate gate = new TestGuests.ReportGate();
        TestVcpu v = new TestVcpu("vcpu" + vcpuId, g.newThreadState(), null, () -> {
            GuestKernel k = g.newKernel();
            k.start(new TestGuests.Context(vcpuId, gate));
        });
        v.start();
        assertNull(v.awaitOutcome());
        return gate.lastValue(DONE);
    }

    private GuestImage imageWithSdk(Class<?> guest) throws Exception {
        Optional<GuestCodeSource> sdk = GuestCodeSource.locateSdk();
        assertTrue(sdk.isPresent(), "the SDK (here its test stand-in) is found on the class path");
        assertTrue(sdk.get().classes().keySet().stream().allMatch(n -> n.startsWith("dev/domus/sdk/")),
                () -> "only the SDK's package is taken: " + sdk.get().classes().keySet());
        return GuestImage.prepare(List.of(GuestCodeSource.of(TestGuests.kernelDir(tmp, guest))), sdk,
                GuestImage.Mode.INSTRUMENTED);
    }

    @Test
    void eachDomainHasItsOwnStaticState() throws Exception {
        GuestImage image = GuestImage.prepare(List.of(GuestCodeSource.of(
                TestGuests.kernelDir(tmp, RunningGuests.StaticCounter.class))), Optional.empty(), GuestImage.Mode.INSTRUMENTED);
        LoadedGuest a = GuestLoader.load(image, RunningGuests.StaticCounter.class.getName(), "a", 1 << 20);
        LoadedGuest b = GuestLoader.load(image, RunningGuests.StaticCounter.class.getName(), "b", 1 << 20);
        assertEquals(1, run(a, 0));
        assertEquals(2, run(a, 0));
        assertEquals(1, run(b, 0), "domain b does not see domain a's static");
        assertNotEquals(a.kernelClass(), b.kernelClass());
    }

    @Test
    void eachDomainLoadsItsOwnCopyOfTheSdk() throws Exception {
        GuestImage image = imageWithSdk(RunningGuests.UsesSdk.class);
        LoadedGuest a = GuestLoader.load(image, RunningGuests.UsesSdk.class.getName(), "a", 1 << 20);
        LoadedGuest b = GuestLoader.load(image, RunningGuests.UsesSdk.class.getName(), "b", 1 << 20);
        assertEquals(1, run(a, 0));
        assertEquals(2, run(a, 0));
        assertEquals(1, run(b, 0));
        Class<?> sdkA = a.classLoader().loadClass("dev.domus.sdk.LoaderProbe");
        Class<?> sdkB = b.classLoader().loadClass("dev.domus.sdk.LoaderProbe");
        assertNotEquals(sdkA, sdkB);
        assertSame(a.classLoader(), sdkA.getClassLoader());
    }

    @Test
    void aGuestCannotReachAnotherDomainsGateThroughSharedState() throws Exception {
        GuestImage image = imageWithSdk(RunningGuests.GateThief.class);
        LoadedGuest a = GuestLoader.load(image, RunningGuests.GateThief.class.getName(), "a", 1 << 20);
        LoadedGuest b = GuestLoader.load(image, RunningGuests.GateThief.class.getName(), "b", 1 << 20);
        assertEquals(0, run(a, 0)); // a leaves its gate in its copy of the SDK
        assertEquals(0, run(b, 1), "b finds no gate: the SDK static it reads is its own");
    }

    @Test
    void theLoaderHandsOutOnlyAllowListedHostClasses() throws Exception {
        LoadedGuest g = TestGuests.load(tmp, Features.class, 1 << 20);
        GuestClassLoader l = g.classLoader();
        assertSame(HypercallGate.class, l.loadClass("dev.domus.abi.HypercallGate"), "the ABI is the host's");
        assertSame(String.class, l.loadClass("java.lang.String"));
        for (String refused : List.of("dev.domus.hv.loader.GuestLoader", "java.lang.reflect.Method",
                "org.agrona.concurrent.UnsafeBuffer", "java.lang.ProcessBuilder", "sun.misc.Unsafe",
                "java.util.concurrent.ConcurrentHashMap", "java.io.File", "dev.domus.hv.loader.guests.HostileGuests")) {
            ClassNotFoundException e = assertThrows(ClassNotFoundException.class, () -> l.loadClass(refused), refused);
            assertTrue(e.getMessage().contains("not available to guests"), e::getMessage);
        }
        assertNull(l.getResource("dev/domus/hv/loader/GuestLoader.class"), "no resources");
    }

    @Test
    void kernelLoaderReusesItsVerifiedImageButEveryDomainGetsItsOwnClasses() throws Exception {
        Path dir = TestGuests.kernelDir(tmp, RunningGuests.StaticCounter.class);
        VerifyingKernelLoader kernels = new VerifyingKernelLoader();
        GuestKernel a = kernels.load(1, RunningGuests.StaticCounter.class.getName(), dir.toString());
        GuestKernel b = kernels.load(2, RunningGuests.StaticCounter.class.getName(), dir.toString());
        LoadedGuest ga = ((DeferredKernel) a).guest();
        LoadedGuest gb = ((DeferredKernel) b).guest();
        assertNotEquals(ga.kernelClass(), gb.kernelClass());
        assertEquals(1, run(ga, 0));
        assertEquals(1, run(gb, 0));
        // A kernel the verifier refuses is refused with its message, cached image or not.
        Path hostile = TestGuests.kernelDir(tmp, dev.domus.hv.loader.guests.HostileGuests.SystemExit.class);
        String name = dev.domus.hv.loader.guests.HostileGuests.SystemExit.class.getName();
        for (int i = 0; i < 2; i++) {
            var e = assertThrows(dev.domus.hv.domain.KernelLoader.KernelLoadException.class,
                    () -> kernels.load(3, name, hostile.toString()));
            assertTrue(e.getMessage().contains("java.lang.System.exit"), e::getMessage);
        }
    }

    @Test
    void bareImageKeepsTheVerifiedBytecodeForBenchmarks() throws Exception {
        Path dir = TestGuests.kernelDir(tmp, RunningGuests.Spin.class);
        String name = RunningGuests.Spin.class.getName().replace('.', '/');
        byte[] original = Files.readAllBytes(dir.resolve(name + ".class"));
        GuestImage bare = GuestImage.prepare(List.of(GuestCodeSource.of(dir)), Optional.empty(), GuestImage.Mode.BARE);
        GuestImage instrumented = GuestImage.prepare(List.of(GuestCodeSource.of(dir)), Optional.empty(),
                GuestImage.Mode.INSTRUMENTED);
        assertArrayEquals(original, bare.classFile(name));
        String rewritten = new String(instrumented.classFile(name), StandardCharsets.ISO_8859_1);
        assertTrue(rewritten.contains(GuestRuntime.INTERNAL_NAME));
        assertFalse(new String(original, StandardCharsets.ISO_8859_1).contains(GuestRuntime.INTERNAL_NAME));
    }
}
