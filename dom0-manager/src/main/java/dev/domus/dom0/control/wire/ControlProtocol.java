package dev.domus.dom0.control.wire;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The control socket's wire format ({@code DIR/control.sock}, a Unix domain stream socket).
 *
 * <p><b>Frames.</b> Every message is a frame: a 4-byte big-endian length {@code n}
 * (0 ≤ n ≤ {@link #MAX_FRAME}) followed by {@code n} bytes of UTF-8.
 *
 * <p><b>Request</b> (client → domusd, exactly one frame per connection): NUL-separated
 * fields {@code "domus/1" NUL request-id NUL command NUL arg1 NUL arg2 ...}. The request id
 * is the client's unique id for this operation (a retry reuses it); NUL cannot occur in a
 * command-line argument, so it is a safe separator.
 *
 * <p><b>Response</b> (domusd → client): zero or more streamed frames, then exactly one final
 * frame; the first byte says which:
 * <ul>
 *   <li>{@code 'L'} + text: one line of streamed output (events --follow, console);</li>
 *   <li>{@code 'H'}: a heartbeat during a long wait (clients ignore it; it lets domusd
 *       notice a client that went away);</li>
 *   <li>{@code 'P'} + text: a progress report of a long command (save, restore, migrate),
 *       {@code key=value} pairs (see {@code dev.domus.dom0.control.Progress}); a client that
 *       draws no progress bar ignores it;</li>
 *   <li>{@code 'O'} + text: final, success; the text is printed as is;</li>
 *   <li>{@code 'E'} + text: final, failure; the text is a one-line message.</li>
 * </ul>
 * Then domusd closes the connection. A client that disconnects at any point costs domusd
 * nothing but that connection; a command already received still runs to its journaled result.
 */
public final class ControlProtocol {

    private ControlProtocol() {
    }

    public static final String VERSION = "domus/1";
    public static final int MAX_FRAME = 1 << 20;

    public static final char LINE = 'L';
    public static final char HEARTBEAT = 'H';
    public static final char PROGRESS = 'P';
    public static final char OK = 'O';
    public static final char ERROR = 'E';

    /** A decoded request. */
    public record Request(String requestId, String command, List<String> args) {
    }

    public static byte[] encodeRequest(String requestId, String command, List<String> args) {
        StringBuilder sb = new StringBuilder(VERSION).append('\0').append(requestId).append('\0').append(command);
        for (String a : args) {
            if (a.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("an argument contains a NUL character");
            }
            sb.append('\0').append(a);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Decodes a request frame, or throws {@link ProtocolException} saying what is wrong. */
    public static Request decodeRequest(byte[] payload) throws ProtocolException {
        String s = new String(payload, StandardCharsets.UTF_8);
        String[] parts = s.split("\0", -1);
        if (parts.length < 3 || !VERSION.equals(parts[0])) {
            throw new ProtocolException("bad request: expected '" + VERSION + "' NUL id NUL command [NUL arg]...");
        }
        if (parts[1].isEmpty() || parts[2].isEmpty()) {
            throw new ProtocolException("bad request: empty request id or command");
        }
        List<String> args = new ArrayList<>(List.of(parts).subList(3, parts.length));
        return new Request(parts[1], parts[2], args);
    }

    public static void writeFrame(WritableByteChannel ch, char kind, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(5 + body.length);
        buf.putInt(1 + body.length).put((byte) kind).put(body).flip();
        writeFully(ch, buf);
    }

    public static void writeFrame(WritableByteChannel ch, byte[] payload) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4 + payload.length);
        buf.putInt(payload.length).put(payload).flip();
        writeFully(ch, buf);
    }

    /**
     * Reads one frame. Throws {@link EOFException} when the peer closed (before or inside the
     * frame) and {@link ProtocolException} for a length out of range.
     */
    public static byte[] readFrame(ReadableByteChannel ch) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(4);
        readFully(ch, len);
        int n = len.flip().getInt();
        if (n < 0 || n > MAX_FRAME) {
            throw new ProtocolException("bad frame length " + n + " (limit " + MAX_FRAME + ")");
        }
        ByteBuffer body = ByteBuffer.allocate(n);
        readFully(ch, body);
        return body.array();
    }

    private static void readFully(ReadableByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new EOFException("connection closed");
            }
        }
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** A malformed frame or request. */
    public static final class ProtocolException extends IOException {
        public ProtocolException(String message) {
            super(message);
        }
    }
}
