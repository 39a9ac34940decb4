package dev.domus.dom0.migrate;

import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.toolstack.Toolstack;
import dev.domus.dom0.xenstore.XsClient;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every migration test starts with: two real hosts in this JVM, the source {@code a}
 * and the target {@code b} (two homes under {@link #tmp}, two domusd control sockets, two
 * xenstoreds, each listening for migrations on an ephemeral loopback port), started before
 * each test and stopped after it.
 */
abstract class TwoHostsTest {

    @TempDir
    Path tmp;

    /** One host: its daemon, home and xenstore client, and where it listens for migrations. */
    record Node(DomusDaemon daemon, Path home, XsClient xs, String listen) implements AutoCloseable {
        static Node start(Path home) throws Exception {
            DomusDaemon d = DomusDaemon.start(new DaemonSettings(home, 128, 1, "credit2", "127.0.0.1:0"),
                    Toolstack.factory());
            return new Node(d, home, XsClient.connect(home.resolve("xenstored.sock")),
                    ((Toolstack) d.host()).migrationAddress());
        }

        @Override
        public void close() {
            xs.close();
            daemon.close();
        }
    }

    Node a;
    Node b;

    @BeforeEach
    void startHosts() throws Exception {
        a = Node.start(tmp.resolve("a"));
        b = Node.start(tmp.resolve("b"));
    }

    @AfterEach
    void stopHosts() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }
}
