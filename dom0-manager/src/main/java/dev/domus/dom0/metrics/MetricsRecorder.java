package dev.domus.dom0.metrics;

import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * domusd's sample recorder: every interval it takes a {@link HostSample} (the same the metrics
 * endpoint and {@code domus top} use) and appends it to the home's {@link SampleLog}, for
 * {@code domus plot}. One daemon thread; a sample that fails (the host stopping) is skipped.
 */
public final class MetricsRecorder implements AutoCloseable {

    private final Path file;
    private final HostSampler sampler;
    private final long intervalNanos;
    private final Thread thread;
    private volatile boolean closed;
    private long samples;
    private String lastError;

    private MetricsRecorder(Path home, HostSampler sampler, double intervalSeconds) {
        this.file = SampleLog.file(home);
        this.sampler = sampler;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
        this.thread = new Thread(this::run, "domusd-metrics-recorder");
        thread.setDaemon(true);
    }

    /** Starts recording every {@code intervalSeconds} (0.01 to 3600) into {@code home}'s sample log. */
    public static MetricsRecorder start(Path home, HostSampler sampler, double intervalSeconds) {
        if (!(intervalSeconds >= 0.01 && intervalSeconds <= 3600)) {
            throw new IllegalArgumentException("sample interval " + intervalSeconds + ": give 0.01 to 3600 seconds");
        }
        MetricsRecorder r = new MetricsRecorder(home, sampler, intervalSeconds);
        r.thread.start();
        return r;
    }

    /** Takes and appends one sample now; false (with {@link #lastError}) if it failed. */
    public synchronized boolean sampleOnce() {
        try {
            HostSample s = sampler.sample();
            SampleLog.append(file, SampleLog.rows(System.currentTimeMillis(), s));
            samples++;
            notifyAll();
            return true;
        } catch (Exception e) {
            lastError = String.valueOf(e.getMessage());
            return false;
        }
    }

    /** Samples recorded so far. */
    public synchronized long samples() {
        return samples;
    }

    /** Why the last failed sample failed, or null. */
    public synchronized String lastError() {
        return lastError;
    }

    /** Waits until at least {@code n} samples are recorded (or the timeout passes); true if they are. */
    public synchronized boolean awaitSamples(long n, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (samples < n) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** The file samples go to. */
    public Path file() {
        return file;
    }

    private void run() {
        long next = System.nanoTime();
        while (!closed) {
            sampleOnce();
            next += intervalNanos;
            long wait;
            while (!closed && (wait = next - System.nanoTime()) > 0) {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
