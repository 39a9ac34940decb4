package dev.domus.dom0.console.backend;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * What one domain has written to its console: every byte has an absolute offset from the
 * domain's first byte; the last {@code capacity} bytes are kept in memory (older ones only in
 * the log file, if there is one). {@code domus console} reads from an offset and waits for
 * more; several readers may follow the same domain.
 */
public final class ConsoleOutput {

    private final int domid;
    private final byte[] history;
    private final OutputStream log;
    private long end;
    private boolean closed;
    private String error;

    ConsoleOutput(int domid, int capacity, Path logFile) throws IOException {
        this.domid = domid;
        this.history = new byte[capacity];
        this.log = logFile == null ? null : Files.newOutputStream(logFile,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    public int domid() {
        return domid;
    }

    synchronized void append(byte[] data, int offset, int length) {
        for (int i = 0; i < length; i++) {
            history[(int) ((end + i) % history.length)] = data[offset + i];
        }
        end += length;
        if (log != null) {
            try {
                log.write(data, offset, length);
                log.flush();
            } catch (IOException e) {
                // A full disk must not stop the guest's console; the in-memory history goes on.
            }
        }
        notifyAll();
    }

    /** Offset just past the last byte written so far. */
    public synchronized long end() {
        return end;
    }

    /** The oldest offset still held in memory. */
    public synchronized long start() {
        return Math.max(0, end - history.length);
    }

    /** True once the domain's console is detached or its ring broken: no more output will come. */
    public synchronized boolean isClosed() {
        return closed;
    }

    /** The bytes from {@code from} (or from {@link #start()}, if older) to the end. */
    public synchronized byte[] readFrom(long from) {
        long s = Math.max(from, start());
        if (s >= end) {
            return new byte[0];
        }
        byte[] out = new byte[(int) (end - s)];
        for (int i = 0; i < out.length; i++) {
            out[i] = history[(int) ((s + i) % history.length)];
        }
        return out;
    }

    /** Everything still held in memory. */
    public byte[] snapshot() {
        return readFrom(0);
    }

    /**
     * Waits until there is output past {@code from}, the console is closed, or the timeout
     * passes; then returns what {@link #readFrom} would.
     */
    public synchronized byte[] awaitFrom(long from, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (end <= from && !closed) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return readFrom(from);
    }

    /** Why the backend stopped reading the guest's ring (it broke the protocol), or null. */
    public synchronized String error() {
        return error;
    }

    /** The backend gave up on the guest's ring: no more output will come. */
    synchronized void fail(String why) {
        error = why;
        close();
    }

    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                // nothing more to write
            }
        }
        notifyAll();
    }

    @Override
    public synchronized String toString() {
        return "ConsoleOutput[domid=" + domid + ", bytes=" + end + ", last=" + Arrays.toString(readFrom(end - 16)) + "]";
    }
}
