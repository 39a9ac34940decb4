package dev.domus.hv.hypercall;

import dev.domus.abi.ConsoleIo;
import dev.domus.abi.XenErrno;
import dev.domus.hv.console.ConsoleRing;
import java.nio.charset.StandardCharsets;

/**
 * {@code __HYPERVISOR_console_io(cmd, count, buffer)}: {@code CONSOLEIO_write} appends
 * {@code count} bytes from the caller's memory to its own console ring, and to the host
 * console ring prefixed with "(dN) " as Xen does for guests; {@code CONSOLEIO_read} reads up
 * to {@code count} bytes of the caller's own ring (Dom0 reads the host ring) and returns how
 * many. A negative count is {@code -XEN_EINVAL}; a count above {@link #MAX_WRITE} too.
 */
final class ConsoleIoHandler implements HypercallHandler {

    /** Largest single write (Xen chunks, Domus refuses; the SDK splits). */
    static final int MAX_WRITE = 64 * 1024;

    private final ConsoleRing hostRing;

    ConsoleIoHandler(ConsoleRing hostRing) {
        this.hostRing = hostRing;
    }

    @Override
    public long handle(CallContext ctx, long cmd, long count, long buffer, long a4, long a5) {
        if (count < 0 || count > Integer.MAX_VALUE) {
            return -XenErrno.XEN_EINVAL;
        }
        int n = (int) count;
        byte[] bulk = ctx.buffer().byteArray();
        switch ((int) cmd) {
            case ConsoleIo.CONSOLEIO_write: {
                if (n > MAX_WRITE) {
                    return -XenErrno.XEN_EINVAL;
                }
                // Copy the whole message in first (fault before any of it is written).
                int done = 0;
                ConsoleRing own = ctx.domain().console();
                byte[] prefix = ("(d" + ctx.domain().domid() + ") ").getBytes(StandardCharsets.US_ASCII);
                boolean first = true;
                while (done < n) {
                    int chunk = Math.min(CallContext.BULK_LENGTH, n - done);
                    int rc = ctx.copyIn(buffer + done, CallContext.BULK_OFFSET, chunk);
                    if (rc < 0) {
                        return rc;
                    }
                    own.write(bulk, CallContext.BULK_OFFSET, chunk);
                    if (!ctx.privileged()) {
                        if (first) {
                            hostRing.write(prefix, 0, prefix.length);
                            first = false;
                        }
                        hostRing.write(bulk, CallContext.BULK_OFFSET, chunk);
                    }
                    done += chunk;
                }
                return 0;
            }
            case ConsoleIo.CONSOLEIO_read: {
                ConsoleRing ring = ctx.privileged() ? hostRing : ctx.domain().console();
                int want = Math.min(n, CallContext.BULK_LENGTH);
                int got = ring.read(bulk, CallContext.BULK_OFFSET, want);
                int rc = ctx.copyOut(buffer, CallContext.BULK_OFFSET, got);
                return rc < 0 ? rc : got;
            }
            default:
                return -XenErrno.XEN_ENOSYS;
        }
    }
}
