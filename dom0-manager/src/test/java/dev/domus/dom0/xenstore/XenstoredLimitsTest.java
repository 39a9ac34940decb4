package dev.domus.dom0.xenstore;

import dev.domus.abi.XsWire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quotas, payload limits and malformed messages: each refused with an error, the daemon unharmed. */
class XenstoredLimitsTest {

    @TempDir
    Path dir;

    private Xenstored daemon;
    private XsClient dom0;
    private XsClient guest;

    @BeforeEach
    void start() {
        daemon = new Xenstored(new XsQuota(5, 64, 3, 2));
        dom0 = XsClient.connect(daemon, 0);
        dom0.mkdir("/local/domain/2");
        dom0.setPerms("/local/domain/2", List.of(new XsPermission(2, 'n')));
        guest = XsClient.connect(daemon, 2);
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private static String error(Runnable r) {
        return assertThrows(XsError.class, r::run).errorName();
    }

    private static byte[] header(int type, int reqId, int txId, int len) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(reqId).putInt(txId).putInt(len).array();
    }

    // ------------------------------------------------------------------ quotas

    @Test
    void nodeQuotaRefusesTheCreateThatWouldExceedItAndCreatesNothing() {
        // The home itself is owned by domain 2: it counts as one of its five nodes.
        guest.write("a", "1");
        guest.write("b", "1");
        guest.write("c", "1");
        int before = daemon.nodeCount();
        assertEquals("ENOSPC", error(() -> guest.write("d/e", "1")));
        assertEquals(before, daemon.nodeCount());
        assertEquals("ENOENT", error(() -> dom0.read("/local/domain/2/d")));
        guest.write("d", "1"); // exactly at the quota
        assertEquals("ENOSPC", error(() -> guest.mkdir("e")));
        guest.rm("d");
        guest.mkdir("e");
        // Dom0 has no quota, even inside the guest's home.
        for (int i = 0; i < 20; i++) {
            dom0.write("/local/domain/2/dom0-" + i, "x");
        }
    }

    @Test
    void entrySizeQuotaRefusesLargeValuesFromGuestsOnly() {
        String big = "x".repeat(100);
        assertEquals("ENOSPC", error(() -> guest.write("big", big)));
        assertEquals("ENOENT", error(() -> dom0.read("/local/domain/2/big")));
        guest.write("small", "x".repeat(10));
        assertEquals("ENOSPC", error(() -> guest.write("small", big)));
        assertEquals("x".repeat(10), guest.read("small"));
        dom0.write("/local/domain/2/dom0big", big);
    }

    @Test
    void watchAndTransactionQuotas() {
        guest.watch("w1", "t");
        guest.watch("w2", "t");
        guest.watch("w3", "t");
        assertEquals("E2BIG", error(() -> guest.watch("w4", "t")));
        int t1 = guest.transactionStart();
        guest.transactionStart();
        assertEquals("ENOSPC", error(guest::transactionStart));
        assertTrue(guest.transactionEnd(t1, false));
        guest.transactionStart();
    }

    @Test
    void payloadAtTheLimitWorksForDom0() {
        String path = "/tool/v";
        String value = "y".repeat(XsWire.XENSTORE_PAYLOAD_MAX - path.length() - 1);
        dom0.write(path, value);
        assertEquals(value, dom0.read(path));
    }

    @Test
    void tooLargeDirectoryIsE2bigAndDirectoryPartPagesThroughIt() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            String n = String.format("child-%03d-%s", i, "n".repeat(40));
            names.add(n);
            dom0.mkdir("/tool/many/" + n);
        }
        assertEquals("E2BIG", error(() -> dom0.directory("/tool/many")));
        List<String> seen = new ArrayList<>();
        int offset = 0;
        String generation = null;
        while (true) {
            XsClient.Message m = dom0.request(XsWire.XS_DIRECTORY_PART, 0,
                    XsMessages.strings("/tool/many", Integer.toString(offset)));
            assertTrue(m.payload().length <= XsWire.XENSTORE_PAYLOAD_MAX);
            List<String> parts = splitKeepingEmpty(m.payload());
            if (generation == null) {
                generation = parts.get(0);
            }
            assertEquals(generation, parts.get(0));
            boolean done = false;
            for (String p : parts.subList(1, parts.size())) {
                if (p.isEmpty()) {
                    done = true;
                    break;
                }
                seen.add(p);
                offset += p.length() + 1;
            }
            if (done) {
                break;
            }
        }
        assertEquals(names, seen);
    }

    private static List<String> splitKeepingEmpty(byte[] payload) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                out.add(new String(payload, start, i - start));
                start = i + 1;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ malformed messages

    @Test
    void unknownAndServerOnlyTypesAreEinval() {
        for (int type : new int[] {XsWire.XS_WATCH_EVENT, XsWire.XS_ERROR, 20, XsWire.XS_TYPE_COUNT,
                XsWire.XS_INVALID, -1}) {
            XsClient.Message m = dom0.request(type, 0, XsMessages.strings("/tool"));
            assertEquals(XsWire.XS_ERROR, m.type());
            assertEquals(List.of("EINVAL"), m.strings());
        }
        assertEquals(List.of(), dom0.directory("/tool"));
    }

    @Test
    void pathsWithoutTheirNulOrWithBadCharactersAreEinval() {
        byte[] noNul = "/tool".getBytes();
        assertEquals(List.of("EINVAL"), dom0.request(XsWire.XS_READ, 0, noNul).strings());
        assertEquals(List.of("EINVAL"), dom0.request(XsWire.XS_WRITE, 0, "/tool/x".getBytes()).strings());
        assertEquals(List.of("EINVAL"), dom0.request(XsWire.XS_READ, 0, XsMessages.strings("/tool", "extra")).strings());
        for (String bad : new String[] {"/tool/", "//tool", "/tool/a b", "/tool/ä", "", "/" + "a".repeat(3100)}) {
            assertEquals("EINVAL", error(() -> dom0.write(bad, "1")), bad);
        }
        assertEquals("EINVAL", error(() -> guest.write("r".repeat(2100), "1")));
        assertEquals("EINVAL", error(() -> dom0.rm("/")));
        assertEquals(List.of(), dom0.directory("/tool"));
    }

    @Test
    void replyEchoesRequestAndTransactionIds() {
        int tx = dom0.transactionStart();
        XsClient.Message m = dom0.request(XsWire.XS_WRITE, tx, "/tool/echo\0v".getBytes());
        assertEquals(XsWire.XS_WRITE, m.type());
        assertEquals(tx, m.txId());
        assertEquals(List.of("OK"), m.strings());
    }

    @Test
    void messageFedOneByteAtATimeIsHandled() throws Exception {
        List<byte[]> replies = new ArrayList<>();
        XsConnection c = daemon.connect(0, new XsTransport() {
            @Override
            public void send(byte[] message) {
                replies.add(message);
            }

            @Override
            public void close() {
            }
        });
        byte[] msg = XsMessages.message(XsWire.XS_WRITE, 77, 0, "/tool/bytewise\0ok".getBytes());
        for (byte x : msg) {
            assertTrue(c.receive(ByteBuffer.wrap(new byte[] {x})));
            if (replies.isEmpty()) {
                assertTrue(c.midMessage());
            }
        }
        assertEquals(1, replies.size());
        assertEquals(77, ByteBuffer.wrap(replies.get(0)).order(ByteOrder.LITTLE_ENDIAN).getInt(4));
        assertEquals("ok", dom0.read("/tool/bytewise"));
    }

    @Test
    void oversizedLengthOverTheSocketGetsE2bigAndOnlyThatClientIsDropped() throws Exception {
        try (XsUnixSocketServer s = XsUnixSocketServer.start(daemon, dir.resolve("xs.sock"));
             XsClient bad = XsClient.connect(s.path());
             XsClient good = XsClient.connect(s.path())) {
            good.write("/tool/before", "1");
            bad.sendRaw(header(XsWire.XS_WRITE, 9, 0, XsWire.XENSTORE_PAYLOAD_MAX + 1));
            XsClient.Message reply = bad.nextReply();
            assertEquals(XsWire.XS_ERROR, reply.type());
            assertEquals(9, reply.reqId());
            assertEquals(List.of("E2BIG"), reply.strings());
            assertNull(bad.nextReply()); // the daemon hung up on it
            assertEquals("1", good.read("/tool/before"));
            good.write("/tool/after", "2");
        }
    }

    @Test
    void clientThatDisconnectsMidMessageLeavesTheDaemonUnharmed() throws Exception {
        try (XsUnixSocketServer s = XsUnixSocketServer.start(daemon, dir.resolve("xs.sock"))) {
            XsClient quitter = XsClient.connect(s.path());
            quitter.watch("/tool", "gone");
            quitter.sendRaw(header(XsWire.XS_WRITE, 1, 0, 100));
            quitter.sendRaw("/tool/half".getBytes());
            quitter.close();
            try (XsClient good = XsClient.connect(s.path())) {
                good.write("/tool/x", "1");
                assertEquals("1", good.read("/tool/x"));
                assertEquals("ENOENT", error(() -> good.read("/tool/half")));
            }
        }
        assertEquals(2, daemon.connectionCount()); // dom0 and guest of this test; socket clients are gone
    }

    @Test
    void secondServerOnALiveSocketIsRefusedAndAStaleOneIsReplaced() throws IOException {
        Path sock = dir.resolve("xs.sock");
        try (XsUnixSocketServer s = XsUnixSocketServer.start(daemon, sock)) {
            IOException e = assertThrows(IOException.class, () -> XsUnixSocketServer.start(daemon, sock));
            assertTrue(e.getMessage().contains("already listening"), e.getMessage());
        }
        // A socket file left by a daemon that died without cleaning up.
        java.nio.channels.ServerSocketChannel dead = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        dead.bind(java.net.UnixDomainSocketAddress.of(sock));
        dead.close();
        assertTrue(java.nio.file.Files.exists(sock));
        try (XsUnixSocketServer s = XsUnixSocketServer.start(daemon, sock);
             XsClient c = XsClient.connect(sock)) {
            c.write("/tool/fresh", "1");
        }
        java.nio.file.Files.writeString(dir.resolve("plain"), "not a socket");
        assertThrows(IOException.class, () -> XsUnixSocketServer.start(daemon, dir.resolve("plain")));
        assertEquals("not a socket", java.nio.file.Files.readString(dir.resolve("plain")));
    }
}
