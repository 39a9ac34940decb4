package dev.domus.dom0.save;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;

/**
 * A file written by a thread of its own from a ring of direct buffers, so a save reads and
 * checksums the next pages while the kernel copies the last ones. A producer that finds no free
 * buffer waits until half the ring is free again (or the writer has caught up), not for the
 * next single buffer: on a loaded machine each thread wake-up costs milliseconds, and one per
 * 1 MiB buffer cost a 1 GiB save seconds. The first write error is kept and thrown to the
 * producer at its next {@link #swap} or {@link #drain}; buffers queued after it are dropped, not
 * written. One producer thread; {@link #close()} stops the writer thread.
 */
final class WriteBehind implements AutoCloseable {

    /**
     * Bytes per buffer and {@code write(2)}. Not more: measured here, writing 1 GiB from 2 or 4 MiB
     * direct buffers took 3-8 s against 0.4-0.9 s from 512 KiB or 1 MiB ones (same data, same run).
     */
    static final int BUFFER_BYTES = 1 << 20;
    /** Buffers in the ring: one filling, the rest queued, being written or free. */
    static final int BUFFERS = 16;
    /** A waiting producer is woken once this many buffers are free. */
    private static final int WAKE_AT = BUFFERS / 2;

    private final FileChannel ch;
    private final Object lock = new Object();
    private final ArrayDeque<ByteBuffer> full = new ArrayDeque<>(BUFFERS);  // guarded by lock
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>(BUFFERS);  // guarded by lock
    private boolean producerWaits;    // guarded by lock
    private boolean writerWaits;      // guarded by lock
    private boolean stopping;         // guarded by lock
    private final Thread thread;
    private volatile IOException failure;

    WriteBehind(FileChannel ch) {
        this.ch = ch;
        for (int i = 0; i < BUFFERS - 1; i++) {
            free.add(newBuffer());
        }
        thread = new Thread(this::run, "domus-save-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** A fresh buffer for the producer to fill (it holds one at a time besides the ring's). */
    static ByteBuffer newBuffer() {
        return ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void run() {
        try {
            while (true) {
                ByteBuffer b;
                synchronized (lock) {
                    while (full.isEmpty() && !stopping) {
                        writerWaits = true;
                        lock.wait();
                    }
                    writerWaits = false;
                    if (full.isEmpty()) {
                        return; // stopping, and everything queued is done
                    }
                    b = full.poll();
                }
                if (failure == null) {
                    try {
                        while (b.hasRemaining()) {
                            ch.write(b);
                        }
                    } catch (IOException e) {
                        failure = e;
                    }
                }
                b.clear();
                synchronized (lock) {
                    free.add(b);
                    if (producerWaits && (free.size() >= WAKE_AT || full.isEmpty())) {
                        lock.notifyAll();
                    }
                }
            }
        } catch (InterruptedException e) {
            // close() never interrupts; a JVM shutdown may: stop
        }
    }

    /** Queues {@code filled} (flipped) for writing and returns an empty buffer. */
    ByteBuffer swap(ByteBuffer filled) throws IOException {
        check();
        synchronized (lock) {
            full.add(filled);
            if (writerWaits) {
                lock.notifyAll();
            }
            awaitFree(1);
            return free.poll();
        }
    }

    /** Waits until every queued buffer is written; throws the first write error. */
    void drain() throws IOException {
        synchronized (lock) {
            awaitFree(BUFFERS - 1);
        }
        check();
    }

    /** With the lock held: waits until {@code n} buffers are free (waking at most once per half ring). */
    private void awaitFree(int n) throws IOException {
        boolean interrupted = false;
        try {
            while (free.size() < n) {
                producerWaits = true;
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // finish the wait: the writer still owns the queued buffers
                }
            }
        } finally {
            producerWaits = false;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        }
        check();
    }

    private void check() throws IOException {
        IOException e = failure;
        if (e != null) {
            // a fresh exception with the same message, thrown on the producer's stack
            throw new IOException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    /** Stops the writer thread once it has finished (or dropped) what is queued. */
    @Override
    public void close() {
        synchronized (lock) {
            if (stopping) {
                return;
            }
            stopping = true;
            lock.notifyAll();
        }
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the writer must be gone before the channel closes
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
