package dev.domus.dom0.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the stock clients of Debian's xenstore-utils (libxenstore from Xen 4.17) as real
 * processes against the daemon on a Unix socket, reached through {@code XENSTORED_PATH}.
 */
class XenstoreUtilsTest {

    @TempDir
    Path dir;

    private Xenstored daemon;
    private XsUnixSocketServer dom0Socket;
    private Path socket;

    @BeforeAll
    static void clientsInstalled() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/xenstore-read")),
                "xenstore-utils is not installed (apt-get install xenstore-utils)");
    }

    @BeforeEach
    void start() throws IOException {
        daemon = new Xenstored();
        socket = dir.resolve("xenstored.sock");
        dom0Socket = XsUnixSocketServer.start(daemon, socket);
    }

    @AfterEach
    void stop() throws IOException {
        dom0Socket.close();
        daemon.close();
    }

    record Result(int exit, String out, String err) {
    }

    private Result run(Path sock, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("XENSTORED_PATH", sock.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        // Not a timing assertion: a guard so a hung client fails the test instead of the build.
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not exit");
        }
        return new Result(p.exitValue(), out, err);
    }

    private Result run(String... cmd) throws IOException, InterruptedException {
        return run(socket, cmd);
    }

    @Test
    void socketFileIsOwnerOnly() throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }

    @Test
    void writeThenReadRoundTrips() throws Exception {
        Result w = run("xenstore-write", "/local/domain/0/name", "Domain-0", "/vm/abc/uuid", "abc");
        assertEquals(0, w.exit(), w.err());
        Result r = run("xenstore-read", "/local/domain/0/name", "/vm/abc/uuid");
        assertEquals(0, r.exit(), r.err());
        assertEquals("Domain-0\nabc\n", r.out());
        try (XsClient java = XsClient.connect(daemon, 0)) {
            assertEquals("Domain-0", java.read("/local/domain/0/name"));
        }
    }

    @Test
    void readOfMissingNodeFails() throws Exception {
        Result r = run("xenstore-read", "/no/such/node");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("couldn't read path"), r.err());
    }

    @Test
    void lsListsTheTreeWithValuesAndPermissions() throws Exception {
        try (XsClient java = XsClient.connect(daemon, 0)) {
            java.write("/tool/demo/a", "1");
            java.write("/tool/demo/b/c", "deep");
            java.setPerms("/tool/demo/a", List.of(new XsPermission(0, 'n'), new XsPermission(7, 'r')));
        }
        Result ls = run("xenstore-ls", "/tool/demo");
        assertEquals(0, ls.exit(), ls.err());
        assertEquals("a = \"1\"\nb = \"\"\n c = \"deep\"\n", ls.out());
        Result lsp = run("xenstore-ls", "-p", "/tool/demo");
        assertTrue(lsp.out().contains("(n0,r7)"), lsp.out());
        Result list = run("xenstore-list", "/tool/demo");
        assertEquals("a\nb\n", list.out());
    }

    @Test
    void listOfADirectoryLargerThanOnePayloadFallsBackToDirectoryPart() throws Exception {
        StringBuilder expected = new StringBuilder();
        try (XsClient java = XsClient.connect(daemon, 0)) {
            for (int i = 0; i < 150; i++) {
                String name = String.format("node-%03d-%s", i, "p".repeat(40));
                java.write("/tool/big/" + name, Integer.toString(i));
                expected.append(name).append('\n');
            }
        }
        Result list = run("xenstore-list", "/tool/big");
        assertEquals(0, list.exit(), list.err());
        assertEquals(expected.toString(), list.out());
    }

    @Test
    void rmRemovesASubtree() throws Exception {
        assertEquals(0, run("xenstore-write", "/tool/gone/x/y", "1").exit());
        Result rm = run("xenstore-rm", "/tool/gone");
        assertEquals(0, rm.exit(), rm.err());
        assertNotEquals(0, run("xenstore-read", "/tool/gone/x/y").exit());
        assertEquals(1, run("xenstore-exists", "/tool/gone").exit());
        assertEquals(0, run("xenstore-exists", "/tool").exit());
    }

    @Test
    void chmodSetsPermissionsAndAGuestIsDeniedAGuestOwnedNode() throws Exception {
        // Dom0 makes the homes of guests 3 and 5, each owned by its guest (as libxl does).
        assertEquals(0, run("xenstore-write", "/local/domain/3/name", "three", "/local/domain/5/secret", "s5").exit());
        assertEquals(0, run("xenstore-chmod", "/local/domain/3", "n3").exit());
        Result chmod = run("xenstore-chmod", "-r", "/local/domain/5", "n5");
        assertEquals(0, chmod.exit(), chmod.err());
        assertEquals("n5\n", run("xenstore-ls", "-p", "/local/domain/5").out().replaceAll("(?s).*\\((.*)\\)\\s*$", "$1\n"));

        // The same stock clients on a socket whose clients act as guest 3.
        Path guest3 = dir.resolve("guest3.sock");
        try (XsUnixSocketServer s = XsUnixSocketServer.start(daemon, guest3, 3)) {
            Result denied = run(guest3, "xenstore-read", "/local/domain/5/secret");
            assertNotEquals(0, denied.exit());
            // The stock client prints no errno; the node exists (Dom0 reads it below) and the
            // same request from guest 3 in Java shows the error is EACCES.
            assertTrue(denied.err().contains("couldn't read path"), denied.err());
            try (XsClient asGuest3 = XsClient.connect(guest3)) {
                XsError e = org.junit.jupiter.api.Assertions.assertThrows(XsError.class,
                        () -> asGuest3.read("/local/domain/5/secret"));
                assertEquals("EACCES", e.errorName());
            }
            Result deniedWrite = run(guest3, "xenstore-write", "/local/domain/5/secret", "stolen");
            assertNotEquals(0, deniedWrite.exit());
            Result own = run(guest3, "xenstore-write", "data/x", "mine");
            assertEquals(0, own.exit(), own.err());
            assertEquals("mine\n", run(guest3, "xenstore-read", "/local/domain/3/data/x").out());
        }
        assertEquals("s5\n", run("xenstore-read", "/local/domain/5/secret").out());
        try (XsClient dom0 = XsClient.connect(daemon, 0)) {
            assertEquals(List.of(new XsPermission(3, 'n')), dom0.getPerms("/local/domain/3/data/x"));
        }
    }

    @Test
    void watchFiresOnceOnRegistrationThenOnEachChange() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("xenstore-watch", "/tool/watched");
        pb.environment().put("XENSTORED_PATH", socket.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            // The initial fire proves the watch is registered: no sleep needed before writing.
            assertEquals("/tool/watched", out.readLine());
            assertEquals(0, run("xenstore-write", "/tool/watched/child", "v").exit());
            assertEquals("/tool/watched/child", out.readLine());
            assertEquals(0, run("xenstore-rm", "/tool/watched").exit());
            assertEquals("/tool/watched", out.readLine());
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    @Test
    void watchWithCountExitsByItself() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("xenstore-watch", "-n", "2", "/tool/counted");
        pb.environment().put("XENSTORED_PATH", socket.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("/tool/counted", out.readLine());
            assertEquals(0, run("xenstore-write", "/tool/counted", "1").exit());
            assertEquals("/tool/counted", out.readLine());
            assertEquals(0, p.waitFor());
        } finally {
            p.destroy();
        }
    }

    @Test
    void clientsSurviveADisconnectedWatcher() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("xenstore-watch", "/tool");
        pb.environment().put("XENSTORED_PATH", socket.toString());
        Process p = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("/tool", out.readLine());
        }
        p.destroyForcibly();
        p.waitFor();
        assertEquals(0, run("xenstore-write", "/tool/after", "ok").exit());
        assertEquals("ok\n", run("xenstore-read", "/tool/after").out());
    }
}
