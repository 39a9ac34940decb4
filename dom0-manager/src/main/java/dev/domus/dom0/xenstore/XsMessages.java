package dev.domus.dom0.xenstore;

import dev.domus.abi.XsWire;
import dev.domus.abi.flyweight.XsdSockmsgFlyweight;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encoding and decoding of {@code xsd_sockmsg} messages: a 16-byte little-endian header
 * (type, req_id, tx_id, len) and {@code len} bytes of NUL-separated strings. Strings are
 * ISO-8859-1 so that any byte survives a round trip.
 */
final class XsMessages {

    static final byte[] OK = {'O', 'K', 0};

    private XsMessages() {
    }

    static byte[] message(int type, int reqId, int txId, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(XsdSockmsgFlyweight.LENGTH + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(reqId).putInt(txId).putInt(payload.length).put(payload);
        return b.array();
    }

    static byte[] error(int reqId, int txId, String error) {
        return message(XsWire.XS_ERROR, reqId, txId, strings(error));
    }

    static byte[] watchEvent(String path, String token) {
        return message(XsWire.XS_WATCH_EVENT, 0, 0, strings(path, token));
    }

    /** Each string followed by a NUL. */
    static byte[] strings(String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String v : values) {
            out.writeBytes(v.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        return out.toByteArray();
    }

    static byte[] strings(List<String> values) {
        return strings(values.toArray(new String[0]));
    }

    /**
     * Splits a payload made of NUL-terminated strings. EINVAL if the last one lacks its NUL
     * (C xenstored's rule for every request).
     */
    static List<String> split(byte[] payload) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                out.add(new String(payload, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        if (start != payload.length) {
            throw XsError.einval("request payload is not NUL-terminated");
        }
        return out;
    }

    /** Exactly {@code count} NUL-terminated strings, else EINVAL. */
    static List<String> args(byte[] payload, int count) {
        List<String> out = split(payload);
        if (out.size() != count) {
            throw XsError.einval("expected " + count + " argument(s), got " + out.size());
        }
        return out;
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
