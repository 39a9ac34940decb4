package dev.domus.hv.console;

import java.nio.charset.StandardCharsets;

/**
 * A bounded byte ring in hypervisor memory: what {@code CONSOLEIO_write} appends to and
 * {@code CONSOLEIO_read} drains. When full, the oldest bytes are overwritten (as Xen's
 * console ring does), and {@link #dropped()} counts them.
 */
public final class ConsoleRing {

    private final byte[] ring;
    private long head; // next byte to read (absolute)
    private long tail; // next byte to write (absolute)
    private long dropped;

    public ConsoleRing(int capacity) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("console ring capacity must be a power of two, was " + capacity);
        }
        this.ring = new byte[capacity];
    }

    public synchronized void write(byte[] src, int offset, int length) {
        for (int i = 0; i < length; i++) {
            ring[(int) (tail++ & (ring.length - 1))] = src[offset + i];
        }
        if (tail - head > ring.length) {
            dropped += tail - head - ring.length;
            head = tail - ring.length;
        }
    }

    /** Reads up to {@code length} bytes; returns how many. */
    public synchronized int read(byte[] dst, int offset, int length) {
        int n = (int) Math.min(length, tail - head);
        for (int i = 0; i < n; i++) {
            dst[offset + i] = ring[(int) (head++ & (ring.length - 1))];
        }
        return n;
    }

    public synchronized int available() {
        return (int) (tail - head);
    }

    public synchronized long dropped() {
        return dropped;
    }

    /** Everything unread, as text (tests and diagnostics); does not consume. */
    public synchronized String peekText() {
        byte[] b = new byte[(int) (tail - head)];
        for (int i = 0; i < b.length; i++) {
            b[i] = ring[(int) ((head + i) & (ring.length - 1))];
        }
        return new String(b, StandardCharsets.UTF_8);
    }
}
