package dev.domus.dom0.control;

import java.util.function.Consumer;

/**
 * Progress of a long command (save, restore, migrate), streamed to the console that asked
 * for it. The control server installs a sink for the request's thread around the command
 * ({@link #with}); the toolstack reports on that thread ({@link #report}); with no sink (a
 * replayed command, a test calling the toolstack directly) reports go nowhere. A report is
 * {@code key=value} pairs separated by spaces: {@code op}, {@code round}, {@code last}
 * (1 in a migration's stop-and-copy round), {@code done} and {@code total} (pages),
 * {@code bytes} (sent or written so far). Reports are throttled to about ten a second.
 */
public final class Progress {

    private static final ThreadLocal<Progress> CURRENT = new ThreadLocal<>();
    private static final long MIN_GAP_NANOS = 100_000_000L;

    private final Consumer<String> sink;
    private long lastNanos;

    private Progress(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Runs {@code body} with {@code sink} receiving this thread's progress reports. */
    public static <T, E extends Exception> T with(Consumer<String> sink, Body<T, E> body) throws E {
        Progress before = CURRENT.get();
        CURRENT.set(new Progress(sink));
        try {
            return body.run();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }

    /**
     * Runs {@code body} with {@code observer} seeing this thread's progress reports too (as
     * well as the sink installed around it, if any). A failing outer sink (its console went
     * away) is dropped; the observer keeps receiving.
     */
    public static <T, E extends Exception> T tee(Consumer<String> observer, Body<T, E> body) throws E {
        Progress outer = CURRENT.get();
        java.util.concurrent.atomic.AtomicReference<Consumer<String>> forward =
                new java.util.concurrent.atomic.AtomicReference<>(outer == null ? null : outer.sink);
        return with(report -> {
            observer.accept(report);
            Consumer<String> f = forward.get();
            if (f != null) {
                try {
                    f.accept(report);
                } catch (RuntimeException e) {
                    forward.set(null);
                }
            }
        }, body);
    }

    /** The command run under {@link #with}. */
    @FunctionalInterface
    public interface Body<T, E extends Exception> {
        T run() throws E;
    }

    /**
     * Reports progress of {@code op}; {@code force} sends it even if the last one was less than
     * 100 ms ago (the end of a round). A sink that fails (the console went away) is dropped: the
     * command runs on.
     */
    public static void report(String op, int round, boolean last, long done, long total, long bytes, boolean force) {
        Progress p = CURRENT.get();
        if (p == null) {
            return;
        }
        long now = System.nanoTime();
        if (!force && p.lastNanos != 0 && now - p.lastNanos < MIN_GAP_NANOS) {
            return;
        }
        p.lastNanos = now;
        try {
            p.sink.accept("op=" + op + " round=" + round + " last=" + (last ? 1 : 0) + " done=" + done + " total="
                    + total + " bytes=" + bytes);
        } catch (RuntimeException e) {
            CURRENT.remove();
        }
    }
}
