package dev.domus.dom0.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A domusd started as a real child JVM (the test's own classpath and JVM flags), with its
 * stdout readable line by line and its stderr collected.
 */
public final class DaemonProcess implements AutoCloseable {

    private final Process process;
    private final BufferedReader stdout;
    private final StringBuffer stderr = new StringBuffer();
    private final Thread stderrPump;

    private DaemonProcess(Process process) {
        this.process = process;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.stderrPump = new Thread(() -> {
            try (var in = process.getErrorStream()) {
                stderr.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // process gone
            }
        });
        stderrPump.start();
    }

    /** Starts {@code mainClass} with {@code args}; extra JVM options (e.g. -D) first. */
    public static DaemonProcess start(List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Dchronicle")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return new DaemonProcess(new ProcessBuilder(cmd).start());
    }

    public static DaemonProcess startDomusd(Path home, String... jvmOptions) throws IOException {
        return start(List.of(jvmOptions), TestDomusd.class, "--home", home.toString(), "--memory", "64M",
                "--pcpus", "1");
    }

    /** Reads stdout until a line containing {@code text}; null if the process ended first. */
    public String awaitLine(String text) throws IOException {
        String line;
        while ((line = stdout.readLine()) != null) {
            if (line.contains(text)) {
                return line;
            }
        }
        return null;
    }

    /** Waits for exit (the caller has made it exit) and returns the code. */
    public int waitFor() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            throw new AssertionError("process did not exit; stderr: " + stderr());
        }
        return process.exitValue();
    }

    public String stderr() throws InterruptedException {
        if (!process.isAlive()) {
            stderrPump.join();
        }
        return stderr.toString();
    }

    /** SIGTERM. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL (kill -9). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor();
        }
        stderrPump.join();
        stdout.close();
    }
}
