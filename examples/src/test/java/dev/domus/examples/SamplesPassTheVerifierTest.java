package dev.domus.examples;

import static org.junit.jupiter.api.Assertions.*;

import dev.domus.hv.loader.GuestImage;
import dev.domus.hv.loader.GuestVerificationException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 7's rule that the sample guests pass the guest loader's verifier unchanged: each
 * sample, with the domU SDK it links, is verified and instrumented by the real
 * {@link GuestImage} (which refuses threads, reflection, System, files, ... naming the use).
 */
class SamplesPassTheVerifierTest {

    private static final Path CLASSES = Path.of("target", "classes");
    private static GuestImage image;
    private static String refusal;

    @org.junit.jupiter.api.BeforeAll
    static void verifyOnce() throws Exception {
        try {
            image = GuestImage.prepare(List.of(CLASSES));
        } catch (GuestVerificationException e) {
            refusal = e.getMessage();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "dev.domus.examples.hello.Hello",
        "dev.domus.examples.memcheck.MemCheck",
        "dev.domus.examples.kvstore.KvStore",
        "dev.domus.examples.burn.Burn",
        "dev.domus.examples.pingpong.PingPong"})
    void sampleAndSdkAreAccepted(String kernel) throws Exception {
        assertNull(refusal, "the verifier refused the samples or the SDK");
        image.checkKernelClass(kernel);
        assertTrue(image.classNames().stream().anyMatch(n -> n.contains("dev/domus/sdk/Domu") || n.contains("dev.domus.sdk.Domu")),
                "the SDK is part of the guest image: " + image.description());
    }
}
