package dev.domus.dom0.xenstore;

import dev.domus.abi.XsWire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Transactions (optimistic, EAGAIN on conflict) and watches (tokens, initial fire, special paths). */
class XenstoredTransactionWatchTest {

    private Xenstored daemon;
    private XsClient a;
    private XsClient b;

    @BeforeEach
    void start() {
        daemon = new Xenstored();
        a = XsClient.connect(daemon, 0);
        b = XsClient.connect(daemon, 0);
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    // ------------------------------------------------------------------ transactions

    @Test
    void transactionWritesAreInvisibleUntilCommit() {
        a.write("/tool/t/x", "old");
        int tx = a.transactionStart();
        a.write(tx, "/tool/t/x", "new");
        a.write(tx, "/tool/t/y", "created");
        assertEquals("new", a.read(tx, "/tool/t/x"));
        assertEquals(List.of("x", "y"), a.directory(tx, "/tool/t"));
        assertEquals("old", b.read("/tool/t/x"));
        assertEquals("ENOENT", assertThrows(XsError.class, () -> b.read("/tool/t/y")).errorName());
        assertTrue(a.transactionEnd(tx, true));
        assertEquals("new", b.read("/tool/t/x"));
        assertEquals("created", b.read("/tool/t/y"));
    }

    @Test
    void conflictingCommitFailsWithEagainAndChangesNothing() {
        a.write("/tool/c/counter", "1");
        int tx = a.transactionStart();
        String seen = a.read(tx, "/tool/c/counter");
        a.write(tx, "/tool/c/counter", Integer.toString(Integer.parseInt(seen) + 1));
        a.write(tx, "/tool/c/other", "side effect");
        b.write("/tool/c/counter", "10"); // a concurrent change to what the transaction read
        assertFalse(a.transactionEnd(tx, true));
        assertEquals("10", b.read("/tool/c/counter"));
        assertEquals("ENOENT", assertThrows(XsError.class, () -> b.read("/tool/c/other")).errorName());
        // The retry, as every xenstore client does on EAGAIN, succeeds.
        int retry = a.transactionStart();
        a.write(retry, "/tool/c/counter", Integer.toString(Integer.parseInt(a.read(retry, "/tool/c/counter")) + 1));
        assertTrue(a.transactionEnd(retry, true));
        assertEquals("11", b.read("/tool/c/counter"));
    }

    @Test
    void creatingANodeSomeoneElseCreatedFirstConflicts() {
        int tx = a.transactionStart();
        assertThrows(XsError.class, () -> a.read(tx, "/tool/race"));
        a.write(tx, "/tool/race", "a");
        b.write("/tool/race", "b");
        assertFalse(a.transactionEnd(tx, true));
        assertEquals("b", b.read("/tool/race"));
    }

    @Test
    void unrelatedChangesDoNotConflict() {
        a.write("/tool/u/mine", "1");
        int tx = a.transactionStart();
        a.write(tx, "/tool/u/mine", "2");
        b.write("/tool/elsewhere", "x");
        assertTrue(a.transactionEnd(tx, true));
        assertEquals("2", b.read("/tool/u/mine"));
    }

    @Test
    void abortDiscardsAndTheTransactionIsGone() {
        int tx = a.transactionStart();
        a.write(tx, "/tool/aborted", "x");
        assertTrue(a.transactionEnd(tx, false));
        assertEquals("ENOENT", assertThrows(XsError.class, () -> a.read("/tool/aborted")).errorName());
        assertEquals("ENOENT", assertThrows(XsError.class, () -> a.read(tx, "/tool")).errorName());
        assertEquals("ENOENT", assertThrows(XsError.class, () -> a.transactionEnd(tx, true)).errorName());
    }

    @Test
    void anotherConnectionCannotUseMyTransaction() {
        int tx = a.transactionStart();
        assertEquals("ENOENT", assertThrows(XsError.class, () -> b.write(tx, "/tool/x", "1")).errorName());
        assertTrue(a.transactionEnd(tx, true));
    }

    @Test
    void removeAndRecreateInsideATransaction() {
        a.write("/tool/r/old/leaf", "1");
        a.write("/tool/r/keep", "k");
        int tx = a.transactionStart();
        a.rm(tx, "/tool/r");
        a.write(tx, "/tool/r/new", "n");
        assertEquals("ENOENT", assertThrows(XsError.class, () -> a.read(tx, "/tool/r/old/leaf")).errorName());
        assertTrue(a.transactionEnd(tx, true));
        assertEquals(List.of("new"), b.directory("/tool/r"));
        assertEquals("ENOENT", assertThrows(XsError.class, () -> b.read("/tool/r/old/leaf")).errorName());
        assertEquals("ENOENT", assertThrows(XsError.class, () -> b.read("/tool/r/keep")).errorName());
    }

    @Test
    void transactionStartInsideATransactionIsEbusyAndEndNeedsTOrF() {
        int tx = a.transactionStart();
        XsClient.Message nested = a.request(XsWire.XS_TRANSACTION_START, tx, XsMessages.strings(""));
        assertEquals(List.of("EBUSY"), nested.strings());
        XsClient.Message bad = a.request(XsWire.XS_TRANSACTION_END, tx, XsMessages.strings("maybe"));
        assertEquals(List.of("EINVAL"), bad.strings());
        assertTrue(a.transactionEnd(tx, true)); // still open after the bad end
    }

    // ------------------------------------------------------------------ watches

    @Test
    void watchFiresOnRegistrationWithItsTokenThenOnChangesBelowIt() throws Exception {
        b.watch("/tool/w", "tok-1");
        assertEquals(new XsClient.WatchFired("/tool/w", "tok-1"), b.pollWatchEvent());
        a.write("/tool/w/deep/node", "v");
        assertEquals(new XsClient.WatchFired("/tool/w/deep/node", "tok-1"), b.pollWatchEvent());
        a.write("/tool/wx", "not below /tool/w");
        assertNull(b.pollWatchEvent());
        b.unwatch("/tool/w", "tok-1");
        a.write("/tool/w/again", "v");
        assertNull(b.pollWatchEvent());
        assertEquals("ENOENT", assertThrows(XsError.class, () -> b.unwatch("/tool/w", "tok-1")).errorName());
    }

    @Test
    void removingAParentFiresWatchesSetBelowIt() {
        a.write("/tool/p/child/leaf", "1");
        b.watch("/tool/p/child/leaf", "leaf");
        b.pollWatchEvent();
        a.rm("/tool/p");
        assertEquals(new XsClient.WatchFired("/tool/p/child/leaf", "leaf"), b.pollWatchEvent());
    }

    @Test
    void sameWatchTwiceIsEexistButAnotherTokenIsFine() {
        b.watch("/tool", "t1");
        assertEquals("EEXIST", assertThrows(XsError.class, () -> b.watch("/tool", "t1")).errorName());
        b.watch("/tool", "t2");
        b.pollWatchEvent();
        b.pollWatchEvent();
        a.write("/tool/z", "1");
        assertEquals("t1", b.pollWatchEvent().token());
        assertEquals("t2", b.pollWatchEvent().token());
    }

    @Test
    void transactionChangesFireAtCommitOnlyAndNotOnAbort() {
        b.watch("/tool/tw", "t");
        b.pollWatchEvent();
        int tx = a.transactionStart();
        a.write(tx, "/tool/tw/x", "1");
        assertNull(b.pollWatchEvent());
        assertTrue(a.transactionEnd(tx, true));
        assertEquals(new XsClient.WatchFired("/tool/tw/x", "t"), b.pollWatchEvent());
        int aborted = a.transactionStart();
        a.write(aborted, "/tool/tw/y", "1");
        a.transactionEnd(aborted, false);
        assertNull(b.pollWatchEvent());
    }

    @Test
    void guestRelativeWatchReportsRelativePathsAndSeesOnlyWhatItMayRead() {
        a.mkdir("/local/domain/4");
        a.setPerms("/local/domain/4", List.of(new XsPermission(4, 'n')));
        XsClient guest = XsClient.connect(daemon, 4);
        guest.watch("control", "ctl");
        assertEquals(new XsClient.WatchFired("control", "ctl"), guest.pollWatchEvent());
        a.write("/local/domain/4/control/shutdown", "suspend");
        assertEquals(new XsClient.WatchFired("control/shutdown", "ctl"), guest.pollWatchEvent());
        // A node below the watch the guest may not read fires nothing for it.
        a.write("/local/domain/4/control/private", "x");
        a.setPerms("/local/domain/4/control/private", List.of(new XsPermission(0, 'n')));
        guest.pollWatchEvent(); // the write (inherited perms, owner 4 readable) fired
        a.write("/local/domain/4/control/private", "y");
        assertNull(guest.pollWatchEvent());
        guest.watch("/", "root");
        guest.pollWatchEvent();
        a.write("/tool/dom0-only", "z");
        assertNull(guest.pollWatchEvent());
    }

    @Test
    void introduceAndReleaseFireTheSpecialWatchesForDom0() {
        b.watch("@introduceDomain", "in");
        b.watch("@releaseDomain", "out");
        assertEquals("@introduceDomain", b.pollWatchEvent().path());
        assertEquals("@releaseDomain", b.pollWatchEvent().path());
        assertFalse(a.isDomainIntroduced(7));
        a.introduce(7, 0x1234, 3);
        assertTrue(a.isDomainIntroduced(7));
        assertEquals(new XsClient.WatchFired("@introduceDomain", "in"), b.pollWatchEvent());
        a.release(7);
        assertEquals(new XsClient.WatchFired("@releaseDomain", "out"), b.pollWatchEvent());
        assertFalse(a.isDomainIntroduced(7));
        assertEquals("ENOENT", assertThrows(XsError.class, () -> a.release(7)).errorName());
        assertTrue(a.isDomainIntroduced(0));
    }

    @Test
    void introduceRefusesBadArgumentsAndKnownDomainsWithAnotherRing() {
        assertEquals(List.of("EINVAL"), a.request(XsWire.XS_INTRODUCE, 0, XsMessages.strings("7", "12")).strings());
        assertEquals(List.of("EINVAL"), a.request(XsWire.XS_INTRODUCE, 0, XsMessages.strings("x", "12", "1")).strings());
        assertEquals(List.of("EINVAL"), a.request(XsWire.XS_INTRODUCE, 0, XsMessages.strings("0", "12", "1")).strings());
        a.introduce(7, 12, 1);
        a.introduce(7, 12, 1); // same ring again: harmless
        assertEquals("EINVAL", assertThrows(XsError.class, () -> a.introduce(7, 13, 1)).errorName());
    }

    @Test
    void resetWatchesDropsEveryWatchOfTheConnection() {
        b.watch("/tool", "t");
        b.pollWatchEvent();
        b.resetWatches();
        a.write("/tool/after-reset", "1");
        assertNull(b.pollWatchEvent());
    }

    @Test
    void closedConnectionLosesItsWatches() {
        b.watch("/tool", "t");
        b.close();
        a.write("/tool/x", "1");
        assertEquals(1, daemon.connectionCount());
    }
}
