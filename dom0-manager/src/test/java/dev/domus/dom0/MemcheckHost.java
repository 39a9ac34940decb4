package dev.domus.dom0;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.toolstack.Toolstack;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.examples.memcheck.MemCheck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real domusd (hypervisor, Dom0, xenstored, the control socket) under a test's temporary
 * directory, with what the tests that run memcheck guests on it share: the console
 * ({@link ConsoleRun}), memcheck configs, and waits on xenstore watches (never sleeps) for the
 * results memcheck publishes under {@code data/memcheck/}.
 */
public final class MemcheckHost implements AutoCloseable {

    /** A guard against a hung test, not a timing assertion. */
    private static final long GUARD_SECONDS = 60;

    public final Path dir;
    public final Path home;
    public final DomusDaemon daemon;
    public final XsClient xs;

    private MemcheckHost(Path dir, Path home, DomusDaemon daemon, XsClient xs) {
        this.dir = dir;
        this.home = home;
        this.daemon = daemon;
        this.xs = xs;
    }

    /** Starts a host of {@code memoryMib} with one pCPU and credit2, its home at {@code dir/home}. */
    public static MemcheckHost start(Path dir, int memoryMib) throws Exception {
        return start(dir, memoryMib, 1);
    }

    /** Starts a host of {@code memoryMib} and {@code pcpus} with credit2, its home at {@code dir/home}. */
    public static MemcheckHost start(Path dir, int memoryMib, int pcpus) throws Exception {
        Path home = dir.resolve("home");
        DomusDaemon daemon = DomusDaemon.start(new DaemonSettings(home, memoryMib, pcpus, "credit2", null), Toolstack.factory());
        return new MemcheckHost(dir, home, daemon, XsClient.connect(home.resolve("xenstored.sock")));
    }

    public ConsoleRun domus(String... args) {
        return ConsoleRun.domus(home, args);
    }

    public ConsoleRun ok(String... args) {
        return ConsoleRun.ok(home, args);
    }

    public String refused(String... args) {
        return ConsoleRun.refused(home, args);
    }

    /** Writes {@code dir/NAME.cfg}: a one-vCPU memcheck guest of {@code mib} (memory = maxmem), crashes preserved. */
    public Path memcheckCfg(String name, int mib, String extra) throws IOException {
        Path f = dir.resolve(name + ".cfg");
        Files.writeString(f, "name = \"" + name + "\"\nkernel = \"" + MemCheck.class.getName() + "\"\n"
                + "memory = " + mib + "\nmaxmem = " + mib + "\nvcpus = 1\non_crash = \"preserve\"\nextra = \"" + extra + "\"\n");
        return f;
    }

    /** Creates a memcheck guest (see {@link #memcheckCfg}); returns its domid. */
    public int createMemcheck(String name, int mib, String extra) throws IOException {
        return domid(ok("create", memcheckCfg(name, mib, extra).toString()).out());
    }

    /** Where memcheck in {@code domid} publishes its results (generation, passes, status, errors, ...). */
    public static String data(int domid) {
        return "/local/domain/" + domid + "/data/memcheck/";
    }

    /** A number from a {@code --json} reply. */
    public static long jsonLong(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }

    /**
     * Polls Dom0's own state (what is not in xenstore, such as the balloon monitor's verdict)
     * until {@code cond} holds, with a guard.
     */
    public static void await(String what, java.util.function.BooleanSupplier cond) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
    }

    /** The domid in a console reply ({@code ... (domid N) ...}). */
    public static int domid(String out) {
        Matcher m = Pattern.compile("domid (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }

    /** The xenstore value at {@code path}, or {@code fallback} if there is none. */
    public String readOr(String path, String fallback) {
        try {
            return xs.read(path);
        } catch (XsError e) {
            return fallback;
        }
    }

    /** Waits on a xenstore watch until {@code path} holds {@code want}. */
    public void awaitValue(String path, String want) throws InterruptedException {
        awaitNode(path, v -> want.equals(v), "became " + want);
    }

    /** Waits on a xenstore watch until {@code path} holds a number of at least {@code min}; returns it. */
    public long awaitAtLeast(String path, long min) throws InterruptedException {
        String v = awaitNode(path, s -> s != null && s.matches("-?\\d+") && Long.parseLong(s) >= min, "reached " + min);
        return Long.parseLong(v);
    }

    private String awaitNode(String path, java.util.function.Predicate<String> done, String what)
            throws InterruptedException {
        String token = "t" + System.nanoTime();
        xs.watch(path, token);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
            while (true) {
                String v = readOr(path, null);
                if (done.test(v)) {
                    return v;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(path + " never " + what + " (is " + v + "); " + diagnostics());
                }
                xs.nextWatchEvent(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            xs.unwatch(path, token);
        }
    }

    /**
     * Waits until memcheck in {@code domid} has finished boot {@code generation} and checks it
     * verified its pages with no error.
     */
    public void assertVerified(int domid, int generation) throws InterruptedException {
        String d = data(domid);
        awaitValue(d + "generation", Integer.toString(generation));
        assertEquals("ok", xs.read(d + "status"));
        assertEquals("0", xs.read(d + "errors"));
        assertTrue(Long.parseLong(xs.read(d + "verified_pages")) > 1000, xs.read(d + "verified_pages"));
    }

    /** For a failure message: each guest's console, the vCPU threads alive, the domain list. */
    public String diagnostics() {
        StringBuilder b = new StringBuilder("consoles:");
        try (var files = Files.list(home.resolve("logs"))) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                if (f.getFileName().toString().startsWith("console-")) {
                    b.append("\n--- ").append(f.getFileName()).append(":\n").append(Files.readString(f));
                }
            }
        } catch (IOException e) {
            b.append(" unreadable: ").append(e);
        }
        b.append("\nvCPU threads alive:");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("domus-d")) {
                b.append(' ').append(t.getName()).append('(').append(t.getState()).append(')');
            }
        }
        b.append("\nlist: ").append(domus("list").out()).append("events: ").append(domus("events").out());
        return b.toString();
    }

    @Override
    public void close() {
        xs.close();
        daemon.close();
    }
}
