package dev.domus.dom0.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import dev.domus.dom0.control.CommandService;
import dev.domus.dom0.control.wire.ControlClient;
import dev.domus.dom0.control.wire.ControlClient.Reply;
import dev.domus.dom0.control.wire.ControlProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** domusd through its control socket: in-process daemons and real child processes. */
class DomusdTest {

    @TempDir
    Path tmp;

    private static DaemonSettings settings(Path home) {
        return new DaemonSettings(home, 64, 1, "credit2", null);
    }

    @Test
    void aDuplicateRequestIdThroughTheSocketRunsOnce() throws Exception {
        Path home = tmp.resolve("h");
        try (DomusDaemon d = DomusDaemon.start(settings(home), CountingHost.factory())) {
            ControlClient c = new ControlClient(home);
            Reply r1 = c.call("id-1", "touch", List.of("alpha"), l -> { });
            Reply r2 = c.call("id-1", "touch", List.of("alpha"), l -> { });
            assertTrue(r1.ok());
            assertEquals(r1, r2);
            assertEquals(List.of("alpha"), CountingHost.effects(home));
            Reply bad = c.call("id-2", "fail", List.of("no disk"), l -> { });
            assertFalse(bad.ok());
            assertEquals("refused: no disk", bad.text());
            Reply unknown = c.call("nosuch", List.of());
            assertFalse(unknown.ok());
            assertTrue(unknown.text().startsWith("unknown command 'nosuch'"), unknown.text());
        }
    }

    @Test
    void theControlSocketIsOwnerOnlyAndGoesAwayOnStop() throws Exception {
        Path home = tmp.resolve("h");
        Path sock;
        try (DomusDaemon d = DomusDaemon.start(settings(home), CountingHost.factory())) {
            sock = d.controlSocket();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
        }
        assertFalse(Files.exists(sock));
        ControlClient.DomusUnavailableException e = assertThrows(ControlClient.DomusUnavailableException.class,
                () -> new ControlClient(home).call("ping", List.of()));
        assertTrue(e.getMessage().contains("no domusd is running"), e.getMessage());
    }

    @Test
    void survivesClientsThatDisconnectMidRequestOrSendGarbage() throws Exception {
        Path home = tmp.resolve("h");
        try (DomusDaemon d = DomusDaemon.start(settings(home), CountingHost.factory())) {
            UnixDomainSocketAddress addr = UnixDomainSocketAddress.of(d.controlSocket());
            // 1. half a length prefix, then gone
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(addr);
                ch.write(ByteBuffer.wrap(new byte[] {0, 0}));
            }
            // 2. a frame promising 100 bytes, 10 sent, then gone
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(addr);
                ByteBuffer b = ByteBuffer.allocate(14).putInt(100).put(new byte[10]).flip();
                ch.write(b);
            }
            // 3. a complete command, and the client leaves before reading the answer
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(addr);
                ControlProtocol.writeFrame(ch, ControlProtocol.encodeRequest("left-early", "touch", List.of("beta")));
            }
            // 4. a length beyond the limit gets an error frame
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(addr);
                ch.write(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).flip());
                byte[] f = ControlProtocol.readFrame(ch);
                assertEquals(ControlProtocol.ERROR, (char) f[0]);
            }
            // 5. not our protocol
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(addr);
                ControlProtocol.writeFrame(ch, "GET / HTTP/1.0".getBytes());
                byte[] f = ControlProtocol.readFrame(ch);
                assertEquals(ControlProtocol.ERROR, (char) f[0]);
            }
            ControlClient c = new ControlClient(home);
            assertTrue(c.call("ping", List.of()).ok(), "still serving");
            // The command whose client left still ran exactly once; asking again with its id
            // returns the journaled result without running it again.
            Reply again = c.call("left-early", "touch", List.of("beta"), l -> { });
            assertTrue(again.ok());
            assertEquals("touched beta", again.text());
            assertEquals(List.of("beta"), CountingHost.effects(home));
        }
    }

    @Test
    void twoHostsWithDifferentHomesRunSideBySide() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        try (DomusDaemon da = DomusDaemon.start(settings(a), CountingHost.factory());
             DomusDaemon db = DomusDaemon.start(settings(b), CountingHost.factory())) {
            assertTrue(new ControlClient(a).call("touch", List.of("on-a")).ok());
            assertTrue(new ControlClient(b).call("touch", List.of("on-b")).ok());
            assertEquals(List.of("on-a"), CountingHost.effects(a));
            assertEquals(List.of("on-b"), CountingHost.effects(b));
        }
    }

    @Test
    void eventsListsResultsAndHostMarkers() throws Exception {
        Path home = tmp.resolve("h");
        try (DomusDaemon d = DomusDaemon.start(settings(home), CountingHost.factory())) {
            ControlClient c = new ControlClient(home);
            c.call("ev-1", "touch", List.of("gamma"), l -> { });
            List<String> lines = new ArrayList<>();
            Reply r = c.call("ev-q", "events", List.of("--json"), lines::add);
            assertTrue(r.ok());
            assertTrue(lines.get(0).contains("\"type\":\"host-started\""), lines.get(0));
            assertTrue(lines.get(1).contains("\"request_id\":\"ev-1\"") && lines.get(1).contains("\"ok\":true"),
                    lines.get(1));
            Reply bad = c.call("events", List.of("--bogus"));
            assertFalse(bad.ok());
        }
    }

    @Test
    void aSecondDaemonOnTheSameHomeIsRefusedAndSigtermStopsTheFirstCleanly() throws Exception {
        Path home = tmp.resolve("h");
        try (DaemonProcess first = DaemonProcess.startDomusd(home)) {
            assertNotNull(first.awaitLine("domusd: host up"), "first daemon failed to start");
            try (DaemonProcess second = DaemonProcess.startDomusd(home)) {
                int rc = second.waitFor();
                assertNotEquals(0, rc);
                String err = second.stderr();
                assertTrue(err.contains("another domusd is already running on home " + home
                        + " (pid " + first.pid() + ")"), err);
                assertFalse(err.contains("Exception"), "no stack trace: " + err);
            }
            assertTrue(new ControlClient(home).call("touch", List.of("still-first")).ok());
            first.terminate();
            int rc = first.waitFor();
            assertTrue(rc == 0 || rc == 143, "SIGTERM ends it, rc " + rc);
            assertFalse(Files.exists(home.resolve("control.sock")), "clean stop removes the socket");
            String err = first.stderr();
            assertFalse(err.contains("WARN") || err.contains("Exception"), "quiet stop: " + err);
        }
        // and the home is free again: an in-process daemon takes it and sees the clean stop.
        try (DomusDaemon d = DomusDaemon.start(settings(home), CountingHost.factory())) {
            List<String> lines = new ArrayList<>();
            new ControlClient(home).call("x", "events", List.of(), lines::add);
            assertTrue(lines.stream().anyMatch(l -> l.contains("host-stopped")), lines.toString());
        }
    }

    @Test
    void killDashNineBetweenAppendAndResultThenRestartReportsTheCommandOnce() throws Exception {
        Path home = tmp.resolve("h");
        try (DaemonProcess d = DaemonProcess.startDomusd(home,
                "-D" + CommandService.CRASH_POINT_PROPERTY + "=touch")) {
            assertNotNull(d.awaitLine("domusd: host up"));
            Thread client = new Thread(() -> {
                try {
                    new ControlClient(home).call("doomed", "touch", List.of("delta"), l -> { });
                } catch (ControlClient.DomusUnavailableException expected) {
                    // the daemon dies under it
                }
            });
            client.start();
            assertNotNull(d.awaitLine(CommandService.CRASH_POINT_BANNER));
            d.kill();
            client.join();
        }
        assertTrue(Files.exists(home.resolve("control.sock")), "a killed daemon leaves its socket behind");
        try (DomusDaemon d = DomusDaemon.start(settings(home), CountingHost.factory())) {
            assertEquals(List.of("doomed"), d.recoveredCommands().stream().map(c -> c.requestId()).toList());
            Reply retry = new ControlClient(home).call("doomed", "touch", List.of("delta"), l -> { });
            assertFalse(retry.ok());
            assertEquals(CommandService.INTERRUPTED_MESSAGE, retry.text());
            assertEquals(List.of(), CountingHost.effects(home), "never run: not lost silently, not run late");
            List<String> lines = new ArrayList<>();
            new ControlClient(home).call("q", "events", List.of("--json"), lines::add);
            assertEquals(1, lines.stream().filter(l -> l.contains("\"request_id\":\"doomed\"")).count());
        }
    }
}
