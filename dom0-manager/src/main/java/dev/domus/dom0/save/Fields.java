package dev.domus.dom0.save;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Little-endian fields of a record body: fixed-width numbers and u32-length-prefixed UTF-8 strings. */
final class Fields {

    private ByteBuffer b;
    private final String record;

    private Fields(ByteBuffer b, String record) {
        this.b = b.order(ByteOrder.LITTLE_ENDIAN);
        this.record = record;
    }

    static Fields writer() {
        return new Fields(ByteBuffer.allocate(256), null);
    }

    static Fields reader(byte[] body, int length, String record) {
        return new Fields(ByteBuffer.wrap(body, 0, length), record);
    }

    private void room(int n) {
        if (b.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n)).order(ByteOrder.LITTLE_ENDIAN);
            b.flip();
            bigger.put(b);
            b = bigger;
        }
    }

    Fields u32(int v) {
        room(4);
        b.putInt(v);
        return this;
    }

    Fields u64(long v) {
        room(8);
        b.putLong(v);
        return this;
    }

    Fields str(String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        u32(u.length);
        room(u.length);
        b.put(u);
        return this;
    }

    byte[] bytes() {
        byte[] out = new byte[b.position()];
        System.arraycopy(b.array(), 0, out, 0, out.length);
        return out;
    }

    private void need(int n) throws ImageException {
        if (b.remaining() < n) {
            throw new ImageException("malformed " + record + " record: it ends " + (n - b.remaining())
                    + " bytes early");
        }
    }

    int getU32() throws ImageException {
        need(4);
        return b.getInt();
    }

    long getU64() throws ImageException {
        need(8);
        return b.getLong();
    }

    String getStr() throws ImageException {
        int n = getU32();
        if (n < 0) {
            throw new ImageException("malformed " + record + " record: a string of " + (n & 0xffffffffL) + " bytes");
        }
        need(n);
        String s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.UTF_8);
        b.position(b.position() + n);
        return s;
    }

    boolean atEnd() {
        return !b.hasRemaining();
    }
}
