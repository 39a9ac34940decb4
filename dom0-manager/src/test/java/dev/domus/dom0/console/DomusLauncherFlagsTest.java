package dev.domus.dom0.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The JVM flags have one source, the root pom's {@code domus.jvm.flags} (surefire uses it);
 * {@code bin/jvm-flags} (the launchers use it) must list exactly the same flags.
 */
class DomusLauncherFlagsTest {

    @Test
    void binJvmFlagsMatchThePomProperty() throws Exception {
        Path root = DomusLauncherTest.repoRoot();
        Matcher m = Pattern.compile("<domus\\.jvm\\.flags>([^<]*)</domus\\.jvm\\.flags>")
                .matcher(Files.readString(root.resolve("pom.xml")));
        assertTrue(m.find(), "domus.jvm.flags not in the root pom");
        List<String> pom = Arrays.stream(m.group(1).trim().split("\\s+")).toList();
        List<String> launcher = Files.readAllLines(root.resolve("bin/jvm-flags")).stream()
                .map(String::trim).filter(l -> !l.isEmpty()).toList();
        assertEquals(pom, launcher, "bin/jvm-flags and the root pom's domus.jvm.flags differ: copy one to the other");
        assertTrue(launcher.contains("-Dchronicle.analytics.disable=true"));
    }
}
