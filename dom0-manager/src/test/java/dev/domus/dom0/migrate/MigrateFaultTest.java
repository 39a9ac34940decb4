package dev.domus.dom0.migrate;

import static dev.domus.dom0.migrate.MigrateTest.assertVerified;
import static dev.domus.dom0.migrate.MigrateTest.domid;
import static dev.domus.dom0.migrate.MigrateTest.domus;
import static dev.domus.dom0.migrate.MigrateTest.memcheckCfg;
import static dev.domus.dom0.migrate.MigrateTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.domus.dom0.console.DomusCli;
import dev.domus.dom0.daemon.DaemonProcess;
import dev.domus.dom0.daemon.Domusd;
import dev.domus.dom0.migrate.FaultProxy.Fault;
import dev.domus.dom0.ConsoleRun;
import dev.domus.dom0.save.ImageFormat;
import dev.domus.dom0.xenstore.XsClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Migration faults on real connections: a target that refuses, a corrupt record, a
 * connection cut in pre-copy and in stop-and-copy, a target process killed in pre-copy and
 * in stop-and-copy. Each time the source's domain must be running (resumed if it was
 * suspended), the target must hold no copy, and the command must fail naming the cause;
 * at the end one clean migration lets memcheck verify that no page was lost on the way.
 */
class MigrateFaultTest extends TwoHostsTest {


    private int domid;

    @BeforeEach
    void startGuest() throws Exception {
        domid = domid(ok(a, "create", memcheckCfg(tmp, "seed=21 dirty_rate=4000 tick_ms=10").toString()).out());
        assertVerified(a.xs(), domid, 1);
    }

    private String refused(String to, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("migrate", "memcheck", to));
        args.addAll(List.of(more));
        ConsoleRun r = domus(a, args.toArray(new String[0]));
        assertEquals(DomusCli.EXIT_FAILURE, r.rc(), () -> "should fail: " + r.out());
        assertFalse(r.err().contains("Exception"), r.err());
        return r.err();
    }

    /** The domain runs on the source (not suspended, not paused, same domid). */
    private void assertRunsOnSource() {
        String list = ok(a, "list", "--json").out();
        Matcher m = Pattern.compile("\"domid\":" + domid + ",\"name\":\"memcheck\",\"state\":\"(\\w+)\"").matcher(list);
        assertTrue(m.find(), list);
        // Running, runnable (waiting for a pCPU) or blocked are all "runs"; paused, suspended
        // or shut down are not.
        assertTrue(List.of("running", "runnable", "blocked").contains(m.group(1)), list);
    }

    /** The target holds no domain: waits (on a xenstore watch) for it to remove a partial one. */
    static void awaitNoGuests(XsClient xs) throws InterruptedException {
        String token = "g" + System.nanoTime();
        xs.watch("/local/domain", token);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!xs.directory("/local/domain").equals(List.of("0"))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the target still holds " + xs.directory("/local/domain"));
                }
                xs.nextWatchEvent(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            xs.unwatch("/local/domain", token);
        }
    }

    private void migrateCleanlyAndVerify(int generation) throws Exception {
        String out = ok(a, "migrate", "memcheck", b.listen()).out();
        assertVerified(b.xs(), domid(out.substring(out.indexOf("as domid") + 3)), generation);
        assertFalse(ok(a, "list").out().contains("memcheck"));
    }

    @Test
    void refusalCorruptionAndCutsLeaveTheDomainRunningOnTheSource() throws Exception {
        // the target refuses: it already has a domain of that name
        ok(b, "create", "--paused", memcheckCfg(tmp, "seed=1").toString());
        String why = refused(b.listen());
        assertTrue(why.contains("already exists") && why.contains("keeps running here"), why);
        assertRunsOnSource();
        ok(b, "destroy", "memcheck");

        // one bit flipped in the first page batch: the target's CRC32C check catches it
        try (FaultProxy p = new FaultProxy(b.listen(), Fault.FLIP, ImageFormat.REC_TYPE_PAGE_DATA, 0, null)) {
            why = refused(p.address());
            assertTrue(why.contains("checksum error in record #" + p.faultedRecord + " (PAGE_DATA)"), why);
        }
        awaitNoGuests(b.xs());
        assertRunsOnSource();

        // the connection cut in the first pre-copy round (the source may notice only later:
        // loopback socket buffers hold megabytes, so it may have suspended by then; either way
        // the domain runs on here)
        try (FaultProxy p = new FaultProxy(b.listen(), Fault.CUT, ImageFormat.REC_TYPE_PAGE_DATA, 2, null)) {
            why = refused(p.address());
            assertTrue(why.contains("lost the connection") && why.contains("keeps running here"), why);
        }
        awaitNoGuests(b.xs());
        assertRunsOnSource();

        // the connection cut in stop-and-copy, with the domain suspended: it is resumed
        try (FaultProxy p = new FaultProxy(b.listen(), Fault.CUT, ImageFormat.REC_TYPE_X86_PV_VCPU_BASIC, 0, null)) {
            why = refused(p.address());
            assertTrue(why.contains("lost the connection") && why.contains("it was resumed"), why);
        }
        awaitNoGuests(b.xs());
        assertRunsOnSource();

        // the target's confirmation is lost after the commit: the source asks it and learns it runs there
        try (FaultProxy p = new FaultProxy(b.listen(), Fault.LOSE_DONE, -1, 0, null)) {
            String out = ok(a, "migrate", "memcheck", p.address()).out();
            assertTrue(out.contains("migrated memcheck"), out);
            assertEquals(1, p.laterConnections, "the source asked the target on a second connection");
            assertFalse(ok(a, "list").out().contains("memcheck"), "one copy: the source's is destroyed");
            int there = domid(out.substring(out.indexOf("as domid") + 3));
            assertVerified(b.xs(), there, 2);
            ok(b, "migrate", "memcheck", a.listen()); // back, for what follows
            domid = Integer.parseInt(ok(a, "list", "memcheck", "--json").out().replaceAll("(?s).*\"domid\":(\\d+).*", "$1"));
            assertVerified(a.xs(), domid, 3);
        }

        // a guest that never reaches its suspend point (it has no xenstore, so never sees the request)
        java.nio.file.Files.createDirectories(tmp.resolve("never"));
        String cfg = java.nio.file.Files.readString(memcheckCfg(tmp.resolve("never"), "seed=5 xenstore=off"))
                .replace("\"memcheck\"", "\"never\"").replace("memory = 16", "memory = 8").replace("maxmem = 16", "maxmem = 8");
        java.nio.file.Files.writeString(tmp.resolve("never/never.cfg"), cfg);
        int never = domid(ok(a, "create", tmp.resolve("never/never.cfg").toString()).out());
        ConsoleRun r = domus(a, "migrate", "never", b.listen(), "--timeout", "300");
        assertEquals(DomusCli.EXIT_FAILURE, r.rc(), r.out());
        assertTrue(r.err().contains("did not reach its suspend point within 300 ms") && r.err().contains("keeps running"),
                r.err());
        awaitNoGuests(b.xs());
        assertTrue(ok(a, "list").out().matches("(?s).*never\\s+" + never + "\\s.*"), "still here, same domid");

        // this host's own address is refused before anything starts
        r = domus(a, "migrate", "memcheck", a.listen());
        assertTrue(r.rc() == DomusCli.EXIT_FAILURE && r.err().contains("this host's own --listen address"), r.err());
        assertRunsOnSource();

        migrateCleanlyAndVerify(4);
    }

    /** A domusd in its own process, listening for migrations on an ephemeral port. */
    private DaemonProcess target(String name, String[] listen) throws Exception {
        DaemonProcess p = DaemonProcess.start(List.of(), Domusd.class, "--home", tmp.resolve(name).toString(),
                "--memory", "128M", "--pcpus", "1", "--listen", "127.0.0.1:0");
        String banner = p.awaitLine("migrations on");
        if (banner == null) {
            String err = p.stderr();
            p.close();
            throw new AssertionError("domusd did not start: " + err);
        }
        Matcher m = Pattern.compile("migrations on (\\S+?)(;|$)").matcher(banner);
        assertTrue(m.find(), banner);
        listen[0] = m.group(1);
        return p;
    }

    @Test
    void aTargetKilledInPreCopyOrInStopAndCopyLeavesTheDomainRunningOnTheSource() throws Exception {
        String[] at = new String[1];
        try (DaemonProcess c = target("c", at);
             FaultProxy p = new FaultProxy(at[0], Fault.CUT, ImageFormat.REC_TYPE_PAGE_DATA, 1, n -> kill(c))) {
            String why = refused(p.address());
            assertTrue(why.contains("lost the connection") && why.contains("keeps running here"), why);
        }
        assertRunsOnSource();
        try (DaemonProcess c = target("d", at);
             FaultProxy p = new FaultProxy(at[0], Fault.CUT, ImageFormat.REC_TYPE_X86_PV_VCPU_BASIC, 0, n -> kill(c))) {
            String why = refused(p.address());
            assertTrue(why.contains("lost the connection") && why.contains("it was resumed"), why);
        }
        assertRunsOnSource();
        migrateCleanlyAndVerify(2);
    }

    private static void kill(DaemonProcess p) {
        try {
            p.kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
