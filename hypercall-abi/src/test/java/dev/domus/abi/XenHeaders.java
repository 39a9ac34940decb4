package dev.domus.abi;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Xen 4.17's real public headers, as the tests' source of truth: the Debian libxen-dev copy
 * under /usr/include/xen, read as text or compiled against with gcc. Tests that need them
 * are skipped (JUnit assumption) on a machine without them; {@code .ci/run} installs them.
 */
final class XenHeaders {

    static final Path ROOT = Paths.get("/usr/include/xen");

    /** The headers every C probe includes, with tools-only declarations visible. */
    static final String PRELUDE = String.join("\n",
            "#define __XEN_TOOLS__ 1",
            "#include <stdint.h>",
            "#include <stdio.h>",
            "#include <stddef.h>",
            "#include <xen/xen.h>",
            "#include <xen/errno.h>",
            "#include <xen/memory.h>",
            "#include <xen/sched.h>",
            "#include <xen/event_channel.h>",
            "#include <xen/grant_table.h>",
            "#include <xen/vcpu.h>",
            "#include <xen/version.h>",
            "#include <xen/sysctl.h>",
            "#include <xen/domctl.h>",
            "#include <xen/vm_event.h>",
            "#include <xen/io/xs_wire.h>",
            "#include <xen/io/xenbus.h>",
            "#include <xen/io/ring.h>",
            "#include <xen/io/blkif.h>",
            "#include <xen/io/console.h>",
            "");

    private XenHeaders() {
    }

    static void assumeHeaders() {
        assumeTrue(Files.isRegularFile(ROOT.resolve("xen.h")), "Xen headers not installed (apt-get install libxen-dev)");
    }

    static void assumeGcc() {
        assumeHeaders();
        assumeTrue(onPath("gcc"), "gcc not installed");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Paths.get(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Compiles and runs a C program that prints one {@code key value} line per expression:
     * {@code expressions} maps a key to a C integer expression over the headers.
     */
    static Map<String, Long> evaluate(Map<String, String> expressions, Path workDir) throws Exception {
        List<String> keys = new ArrayList<>(expressions.keySet());
        StringBuilder c = new StringBuilder(PRELUDE).append("int main(void) {\n");
        for (String key : keys) {
            c.append("    printf(\"%lld\\n\", (long long)(").append(expressions.get(key)).append("));\n");
        }
        c.append("    return 0;\n}\n");
        Path src = workDir.resolve("probe.c");
        Path exe = workDir.resolve("probe");
        Files.writeString(src, c);
        run(workDir, "gcc", "-w", "-o", exe.toString(), src.toString());
        String out = run(workDir, exe.toString());
        String[] lines = out.split("\n");
        if (lines.length != keys.size()) {
            throw new AssertionError("probe printed " + lines.length + " values for " + keys.size() + " expressions");
        }
        Map<String, Long> values = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            values.put(keys.get(i), Long.parseLong(lines[i].trim()));
        }
        return values;
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        if (p.exitValue() != 0) {
            // gcc names the failing line: keep the first errors, they say which name is not in the headers.
            throw new AssertionError(String.join(" ", command) + " failed:\n" + out.lines().limit(40)
                    .reduce("", (a, b) -> a + b + "\n"));
        }
        return out;
    }
}
