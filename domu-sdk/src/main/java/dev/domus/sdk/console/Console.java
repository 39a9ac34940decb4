package dev.domus.sdk.console;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;
import dev.domus.sdk.event.EventChannels;
import dev.domus.sdk.hypercall.Hypervisor;

import java.nio.charset.StandardCharsets;

/**
 * The guest's console: printf-like output over the PV console ring ({@code xencons_interface}
 * in the page start_info names, drained by Dom0's console backend) or, when the domain has no
 * console ring, over the hypervisor's {@code CONSOLEIO_write}.
 *
 * <p>One write must fit the ring ({@value #MAX_WRITE} bytes): a longer one is refused with
 * {@code XEN_EMSGSIZE} (split the text). When the ring is full the writer waits for the
 * backend on the console event channel, up to {@link #drainTimeoutNs}; a backend that never
 * drains gives {@code XEN_ETIMEDOUT} rather than a hang.
 */
public final class Console {

    /** Largest single write: the size of the console's output ring. */
    public static final int MAX_WRITE = XENCONS_OUT_SIZE;

    private final Hypervisor hv;
    private final GuestMemory memory;
    private final EventChannels events;
    private final long ring;
    private final int port;
    private long drainTimeoutNs = 5_000_000_000L;

    /**
     * @param ring guest-physical address of the xencons_interface page, or 0 for CONSOLEIO_write
     * @param port the console event channel (ignored without a ring)
     */
    public Console(Hypervisor hv, EventChannels events, long ring, int port) {
        this.hv = hv;
        this.memory = hv.memory();
        this.events = events;
        this.ring = ring;
        this.port = port;
        if (ring != 0) {
            events.adopt(port);
        }
    }

    /** True when output goes through the PV console ring. */
    public boolean usesRing() {
        return ring != 0;
    }

    /** How long a write waits for a full ring to drain (system-time nanoseconds). */
    public void drainTimeoutNs(long nanos) {
        this.drainTimeoutNs = nanos;
    }

    public void print(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        write(b, 0, b.length);
    }

    public void println(String text) {
        print(text + "\n");
    }

    /** {@link String#format}-style output. */
    public void printf(String format, Object... args) {
        print(String.format(format, args));
    }

    /** Writes raw bytes; see the class comment for the size limit and back-pressure. */
    public void write(byte[] bytes, int offset, int length) {
        if (length > MAX_WRITE) {
            throw new XenException(XenErrno.XEN_EMSGSIZE, "console write of " + length + " bytes",
                    "exceeds the " + MAX_WRITE + "-byte console ring; split the text");
        }
        if (ring == 0) {
            hv.consoleWrite(bytes, offset, length);
            return;
        }
        long deadline = 0;
        int done = 0;
        while (done < length) {
            int cons = memory.getIntVolatile(ring + XENCONS_INTERFACE_OUT_CONS_OFFSET);
            int prod = memory.getIntVolatile(ring + XENCONS_INTERFACE_OUT_PROD_OFFSET);
            int used = prod - cons;
            if (used < 0 || used > XENCONS_OUT_SIZE) {
                throw new XenException(XenErrno.XEN_EIO, "console write", "console ring indexes corrupted (prod "
                        + prod + ", cons " + cons + ")");
            }
            int space = XENCONS_OUT_SIZE - used;
            if (space == 0) {
                events.send(port);
                if (deadline == 0) {
                    deadline = events.clock().now() + drainTimeoutNs;
                }
                if (!events.waitFor(port, deadline)) {
                    throw new XenException(XenErrno.XEN_ETIMEDOUT, "console write",
                            "the console backend did not drain the ring (" + (length - done) + " bytes unwritten)");
                }
                continue;
            }
            int n = Math.min(space, length - done);
            for (int i = 0; i < n; i++) {
                memory.putByte(ring + XENCONS_INTERFACE_OUT_OFFSET + ((prod + i) & (XENCONS_OUT_SIZE - 1)), bytes[offset + done + i]);
            }
            memory.putIntOrdered(ring + XENCONS_INTERFACE_OUT_PROD_OFFSET, prod + n);
            done += n;
        }
        events.send(port);
    }

    /** Reads available console input (non-blocking); returns the bytes read (maybe 0). */
    public int read(byte[] into) {
        if (ring == 0) {
            return 0;
        }
        int cons = memory.getIntVolatile(ring + XENCONS_INTERFACE_IN_CONS_OFFSET);
        int prod = memory.getIntVolatile(ring + XENCONS_INTERFACE_IN_PROD_OFFSET);
        int n = Math.min(into.length, prod - cons);
        for (int i = 0; i < n; i++) {
            into[i] = memory.getByte(ring + XENCONS_INTERFACE_IN_OFFSET + ((cons + i) & (XENCONS_IN_SIZE - 1)));
        }
        if (n > 0) {
            memory.putIntOrdered(ring + XENCONS_INTERFACE_IN_CONS_OFFSET, cons + n);
            events.send(port);
        }
        return Math.max(n, 0);
    }
}
