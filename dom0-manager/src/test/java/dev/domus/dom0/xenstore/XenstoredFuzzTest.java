package dev.domus.dom0.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.XsWire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * Seeded random requests from a guest and from Dom0: every one is answered with its own type
 * or an XS_ERROR whose name is in xs_wire.h's table, never EIO (which would mean a bug), and
 * the daemon keeps its invariants.
 */
class XenstoredFuzzTest {

    private static final Set<String> XSD_ERROR_NAMES =
            XsWire.XSD_ERRORS.stream().map(XsWire.XsdError::errstring).collect(Collectors.toSet());

    private static final String[] PIECES = {"", "/", "//", "a", "data", "local", "domain", "3", "0", "@introduceDomain",
        "@releaseDomain", "x y", "\u00e9", "n3", "b0", "r", "w99999999", "T", "F", "..", "-1", "4096", "0"};

    private static byte[] randomPayload(Random r) {
        List<String> parts = new ArrayList<>();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder();
            int k = 1 + r.nextInt(4);
            for (int j = 0; j < k; j++) {
                if (r.nextBoolean()) {
                    b.append('/');
                }
                b.append(PIECES[r.nextInt(PIECES.length)]);
            }
            parts.add(b.toString());
        }
        byte[] p = XsMessages.strings(parts);
        if (p.length > 0 && r.nextInt(6) == 0) {
            p = java.util.Arrays.copyOf(p, p.length - 1); // drop the final NUL
        }
        return p;
    }

    @Test
    void randomRequestsAreAnsweredWithTheirTypeOrAKnownErrorAndTheDaemonStaysSound() {
        Random r = new Random(0x5eed_0008L);
        try (Xenstored d = new Xenstored(new XsQuota(50, 256, 8, 3))) {
            XsClient dom0 = XsClient.connect(d, 0);
            dom0.mkdir("/local/domain/3");
            dom0.setPerms("/local/domain/3", List.of(new XsPermission(3, 'n')));
            XsClient guest = XsClient.connect(d, 3);
            int answered = 0;
            for (int i = 0; i < 5000; i++) {
                XsClient c = r.nextInt(3) == 0 ? dom0 : guest;
                int type = r.nextInt(XsWire.XS_TYPE_COUNT + 2);
                if (type == XsWire.XS_INTRODUCE || type == XsWire.XS_RELEASE) {
                    continue; // covered elsewhere; random domids would only fill the domain table
                }
                int tx = r.nextInt(4) == 0 ? r.nextInt(5) : 0;
                XsClient.Message m = c.request(type, tx, randomPayload(r));
                if (m.type() == XsWire.XS_ERROR) {
                    String name = new String(m.payload(), StandardCharsets.ISO_8859_1).replace("\0", "");
                    assertTrue(XSD_ERROR_NAMES.contains(name) && !name.equals("EIO"), "type " + type + ": " + name);
                } else {
                    assertEquals(type, m.type());
                    answered++;
                }
                while (c.pollWatchEvent() != null) {
                    // drain the events the requests fired
                }
            }
            assertTrue(answered > 300, "only " + answered + " requests succeeded: the generator is too hostile");
            // Still sound: the guest's home is intact and usable, Dom0 works.
            assertEquals(List.of(new XsPermission(3, 'n')), dom0.getPerms("/local/domain/3"));
            guest.write("still", "ok");
            assertEquals("ok", dom0.read("/local/domain/3/still"));
        }
    }

    @Test
    void randomBytesOnARawConnectionNeverEscapeAsExceptions() {
        Random r = new Random(42);
        try (Xenstored d = new Xenstored()) {
            for (int round = 0; round < 200; round++) {
                List<byte[]> replies = new ArrayList<>();
                XsConnection c = d.connect(1 + r.nextInt(5), new XsTransport() {
                    @Override
                    public void send(byte[] message) {
                        replies.add(message);
                    }

                    @Override
                    public void close() {
                    }
                });
                byte[] junk = new byte[r.nextInt(200)];
                r.nextBytes(junk);
                // Half the rounds get a plausible header so that payload handling is exercised too.
                if (junk.length >= 16 && r.nextBoolean()) {
                    ByteBuffer.wrap(junk).order(ByteOrder.LITTLE_ENDIAN)
                            .putInt(0, r.nextInt(XsWire.XS_TYPE_COUNT)).putInt(12, junk.length - 16);
                }
                c.receive(ByteBuffer.wrap(junk));
                for (byte[] reply : replies) {
                    int len = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
                    assertEquals(reply.length - 16, len);
                }
                c.close();
            }
            XsClient dom0 = XsClient.connect(d, 0);
            dom0.write("/tool/after-junk", "1");
            assertEquals("1", dom0.read("/tool/after-junk"));
            assertEquals(1, d.connectionCount());
        }
    }
}
