package dev.domus.dom0.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The migration connection (TCP, source to the target's {@code domusd --listen} port).
 *
 * <pre>
 * source: "DOMUS-MIGRATE/2 " id "\n"            one line, then the save-image stream
 *         (ImageFormat: headers, DOMUS_DOMAIN_INFO, DOMUS_CONFIG, PAGE_DATA rounds,
 *          then after the suspend the last PAGE_DATA, X86_PV_VCPU_BASIC, DOMUS_XENSTORE, END)
 * target: "LOADED " n "\n"                      whenever it has caught up with the stream (its
 *                                              input runs dry): n page entries loaded so far
 * target: "READY " domid "\n"                   everything is loaded, the domain is paused
 *     or  "ERROR " message "\n"                 refused or failed; the target has removed it
 * source: "COMMIT\n"                            the commit point: the target owns the domain
 * target: "DONE " domid "\n"                    it runs there; the source destroys its copy
 *
 * query:  "DOMUS-QUERY/1 " id "\n"              on a new connection, when the source lost
 * target: "RUNNING " domid "\n" | "ABORTED " why "\n" | "UNKNOWN\n"    the first one after COMMIT
 * </pre>
 * The target may send ERROR at any time; the source looks for it between page batches. Before
 * it suspends the guest the source waits for a LOADED line that counts every page entry it
 * has sent, so the downtime does not include a target still building the domain or loading
 * earlier rounds (loopback socket buffers hold megabytes of them). The
 * commit point is the target reading COMMIT: before it, any failure leaves the source's copy
 * the only one (the target removes its partial domain); after it, the target's. A source that
 * sent COMMIT and lost the connection asks with a query before it resumes anything.
 */
final class MigrationProtocol {

    static final String HELLO = "DOMUS-MIGRATE/2";
    static final String QUERY = "DOMUS-QUERY/1";
    static final String READY = "READY";
    static final String LOADED = "LOADED";
    static final String ERROR = "ERROR";
    static final String COMMIT = "COMMIT";
    static final String DONE = "DONE";
    static final String RUNNING = "RUNNING";
    static final String ABORTED = "ABORTED";
    static final String UNKNOWN = "UNKNOWN";
    private static final int MAX_LINE = 4096;

    private MigrationProtocol() {
    }

    static void writeLine(OutputStream out, String line) throws IOException {
        out.write((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One line without its newline; null at end of stream before any byte. */
    static String readLine(InputStream in) throws IOException {
        byte[] b = new byte[MAX_LINE];
        int n = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (n == 0) {
                    return null;
                }
                throw new IOException("the connection closed in the middle of a line");
            }
            if (c == '\n') {
                return new String(b, 0, n, StandardCharsets.UTF_8);
            }
            if (n == MAX_LINE) {
                throw new IOException("a protocol line longer than " + MAX_LINE + " bytes");
            }
            b[n++] = (byte) c;
        }
    }

    /** The word before the first space. */
    static String word(String line) {
        int sp = line.indexOf(' ');
        return sp < 0 ? line : line.substring(0, sp);
    }

    /** What follows the first space, or "". */
    static String rest(String line) {
        int sp = line.indexOf(' ');
        return sp < 0 ? "" : line.substring(sp + 1);
    }
}
