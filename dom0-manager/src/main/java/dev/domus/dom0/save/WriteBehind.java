package dev.domus.dom0.save;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * A file written by a thread of its own from a small ring of large direct buffers, so a save
 * reads and checksums the next pages while the kernel copies the last ones (the producer never
 * waits for a {@code write(2)} unless every buffer is queued). The first write error is kept and
 * thrown to the producer at its next {@link #swap} or {@link #drain}; buffers queued after it are
 * dropped, not written. One producer thread; {@link #close()} stops the writer thread.
 */
final class WriteBehind implements AutoCloseable {

    /** Bytes per buffer: a few MiB per {@code write(2)}, so the syscall cost is nothing. */
    static final int BUFFER_BYTES = 4 << 20;
    /** Buffers in the ring: one filling, the rest queued or being written. */
    static final int BUFFERS = 4;
    private static final ByteBuffer STOP = ByteBuffer.allocate(0);

    private final FileChannel ch;
    private final ArrayBlockingQueue<ByteBuffer> full = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final ArrayBlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    private final Thread thread;
    private volatile IOException failure;
    private boolean stopped;

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
                ByteBuffer b = full.take();
                if (b == STOP) {
                    return;
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
                free.put(b);
            }
        } catch (InterruptedException e) {
            // close() never interrupts; a JVM shutdown may: stop
        }
    }

    /** Queues {@code filled} (flipped) for writing and returns an empty buffer. */
    ByteBuffer swap(ByteBuffer filled) throws IOException {
        check();
        try {
            full.put(filled);
            ByteBuffer next = free.take();
            check();
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        }
    }

    /** Waits until every queued buffer is written; throws the first write error. */
    void drain() throws IOException {
        ByteBuffer[] all = new ByteBuffer[BUFFERS - 1];
        try {
            // Every buffer comes back to the free queue once written (or dropped after an error).
            for (int i = 0; i < all.length; i++) {
                all[i] = free.take();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        } finally {
            for (ByteBuffer b : all) {
                if (b != null) {
                    free.add(b);
                }
            }
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
        if (stopped) {
            return;
        }
        stopped = true;
        boolean interrupted = false;
        while (true) {
            try {
                full.put(STOP);
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
