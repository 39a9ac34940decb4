package dev.domus.dom0.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.domus.abi.dump.AbiDump;

/** {@code bin/domus} run as a real process, the way an operator or a script runs it. */
class DomusLauncherTest {

    /** The repository root: the directory above this module that holds bin/domus. */
    static Path repoRoot() {
        Path p = Paths.get("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("bin/domus"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("bin/domus not found above " + Paths.get("").toAbsolutePath());
        }
        return p;
    }

    record Result(int exit, String out, String err) {
    }

    static Result run(Path script, Path workDir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(command + " did not exit");
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void abiJsonFromAnotherDirectoryPrintsTheDump(@TempDir Path elsewhere) throws Exception {
        Result r = run(repoRoot().resolve("bin/domus"), elsewhere, "abi", "--json");
        assertEquals(0, r.exit(), r.err());
        assertEquals(AbiDump.current().toJson(), r.out());
        assertEquals("", r.err(), "no warnings on the console");
    }

    @Test
    void unknownCommandExitsNonZeroWithUsageAndNoStackTrace(@TempDir Path elsewhere) throws Exception {
        Result r = run(repoRoot().resolve("bin/domus"), elsewhere, "frobnicate", "--now");
        assertEquals(DomusCli.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("Usage: domus"), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        assertEquals("", r.out());
    }

    @Test
    void anUnbuiltCheckoutIsRefusedWithWhatToDo(@TempDir Path fake) throws Exception {
        Path bin = Files.createDirectories(fake.resolve("bin"));
        Files.copy(repoRoot().resolve("bin/domus"), bin.resolve("domus"));
        Files.copy(repoRoot().resolve("bin/jvm-flags"), bin.resolve("jvm-flags"));
        Files.setPosixFilePermissions(bin.resolve("domus"), PosixFilePermissions.fromString("rwx------"));
        Result r = run(bin.resolve("domus"), fake, "abi");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("not built yet") && r.err().contains("mvn"), r.err());
        assertEquals("", r.out());
    }
}
