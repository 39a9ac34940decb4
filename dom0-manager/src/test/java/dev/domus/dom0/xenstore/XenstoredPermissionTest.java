package dev.domus.dom0.xenstore;

import dev.domus.abi.XsWire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Xen's n/r/w/b permission semantics, seen by Dom0 and by guests over in-process connections. */
class XenstoredPermissionTest {

    private Xenstored daemon;
    private XsClient dom0;
    private XsClient guest3;
    private XsClient guest5;

    @BeforeEach
    void start() {
        daemon = new Xenstored();
        dom0 = XsClient.connect(daemon, 0);
        // As libxl does: each guest's home belongs to it and is invisible to others.
        for (int id : new int[] {3, 5}) {
            dom0.mkdir("/local/domain/" + id);
            dom0.setPerms("/local/domain/" + id, List.of(new XsPermission(id, 'n')));
        }
        dom0.write("/local/domain/5/secret", "s5");
        guest3 = XsClient.connect(daemon, 3);
        guest5 = XsClient.connect(daemon, 5);
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private static String error(Runnable r) {
        return assertThrows(XsError.class, r::run).errorName();
    }

    @Test
    void guestCannotReadOrWriteAnotherGuestsNode() {
        assertEquals("EACCES", error(() -> guest3.read("/local/domain/5/secret")));
        assertEquals("EACCES", error(() -> guest3.write("/local/domain/5/secret", "x")));
        assertEquals("EACCES", error(() -> guest3.rm("/local/domain/5/secret")));
        assertEquals("EACCES", error(() -> guest3.directory("/local/domain/5")));
        assertEquals("EACCES", error(() -> guest3.getPerms("/local/domain/5/secret")));
        assertEquals("s5", guest5.read("/local/domain/5/secret"));
        assertEquals("s5", dom0.read("/local/domain/5/secret"));
    }

    @Test
    void guestCannotSeeTheRootOrDom0Nodes() {
        assertEquals("EACCES", error(() -> guest3.directory("/")));
        assertEquals("EACCES", error(() -> guest3.write("/tool/x", "1")));
        assertEquals("EACCES", error(() -> guest3.mkdir("/vm")));
        assertEquals(List.of(), dom0.directory("/tool"));
    }

    @Test
    void missingNodeUnderAnUnreadableParentIsEaccesSoItsAbsenceDoesNotLeak() {
        assertEquals("EACCES", error(() -> guest3.read("/local/domain/5/nothing")));
        assertEquals("ENOENT", error(() -> guest5.read("/local/domain/5/nothing")));
        assertEquals("ENOENT", error(() -> guest3.read("/local/domain/3/nothing")));
    }

    @Test
    void relativePathsAreInTheGuestsHomeAndWhatItCreatesItOwns() {
        guest3.write("data/greeting", "hi");
        assertEquals("hi", dom0.read("/local/domain/3/data/greeting"));
        assertEquals(List.of(new XsPermission(3, 'n')), dom0.getPerms("/local/domain/3/data/greeting"));
        assertEquals(List.of("data"), guest3.directory("/local/domain/3"));
        assertEquals("EINVAL", error(() -> guest3.directory("")));
        assertEquals("/local/domain/3", guest3.getDomainPath(3));
    }

    @Test
    void readGrantLetsAnotherGuestReadButNotWrite() {
        dom0.setPerms("/local/domain/5/secret", List.of(new XsPermission(5, 'n'), new XsPermission(3, 'r')));
        assertEquals("s5", guest3.read("/local/domain/5/secret"));
        assertEquals("EACCES", error(() -> guest3.write("/local/domain/5/secret", "x")));
        assertEquals("s5", dom0.read("/local/domain/5/secret"));
    }

    @Test
    void defaultPermissionOfTheFirstEntryAppliesToUnlistedDomains() {
        dom0.write("/tool/public", "p");
        dom0.setPerms("/tool/public", List.of(new XsPermission(0, 'r'), new XsPermission(5, 'n')));
        assertEquals("p", guest3.read("/tool/public"));
        assertEquals("EACCES", error(() -> guest5.read("/tool/public")));
        assertEquals("EACCES", error(() -> guest3.write("/tool/public", "x")));
    }

    @Test
    void writeGrantOnADirectoryLetsAGuestCreateNodesThatItThenOwns() {
        dom0.mkdir("/local/domain/5/device/vif/0");
        dom0.setPerms("/local/domain/5/device/vif/0", List.of(new XsPermission(0, 'n'), new XsPermission(3, 'b')));
        guest3.write("/local/domain/5/device/vif/0/state", "4");
        List<XsPermission> perms = dom0.getPerms("/local/domain/5/device/vif/0/state");
        assertEquals(new XsPermission(3, 'n'), perms.get(0));
    }

    @Test
    void onlyTheOwnerChangesPermissionsAndOnlyDom0ChangesTheOwner() {
        dom0.write("/local/domain/5/shared", "v");
        dom0.setPerms("/local/domain/5/shared", List.of(new XsPermission(5, 'n'), new XsPermission(3, 'b')));
        // Guest 3 may write the node but does not own it.
        guest3.write("/local/domain/5/shared", "w");
        assertEquals("EACCES", error(() -> guest3.setPerms("/local/domain/5/shared", List.of(new XsPermission(5, 'b')))));
        assertEquals("EPERM", error(() -> guest5.setPerms("/local/domain/5/shared", List.of(new XsPermission(3, 'b')))));
        guest5.setPerms("/local/domain/5/shared", List.of(new XsPermission(5, 'r')));
        assertEquals(List.of(new XsPermission(5, 'r')), dom0.getPerms("/local/domain/5/shared"));
    }

    @Test
    void guestsCannotUsePrivilegedOperations() {
        assertEquals("EACCES", error(() -> guest3.introduce(9, 1234, 1)));
        assertEquals("EACCES", error(() -> guest3.release(5)));
        assertEquals("EACCES", error(() -> guest3.control("check")));
        assertEquals("OK", dom0.control("check"));
    }

    @Test
    void badPermissionStringsAreRefusedAndChangeNothing() {
        dom0.write("/tool/p", "v");
        XsClient.Message bad = dom0.request(XsWire.XS_SET_PERMS, 0, XsMessages.strings("/tool/p", "x3"));
        assertEquals(XsWire.XS_ERROR, bad.type());
        assertEquals(List.of("EINVAL"), bad.strings());
        XsClient.Message none = dom0.request(XsWire.XS_SET_PERMS, 0, XsMessages.strings("/tool/p"));
        assertEquals(List.of("EINVAL"), none.strings());
        assertEquals(List.of(new XsPermission(0, 'n')), dom0.getPerms("/tool/p"));
    }

    @Test
    void setTargetLetsADeviceModelActForItsGuest() {
        dom0.introduce(3, 1000, 1);
        dom0.introduce(5, 1001, 2);
        assertEquals("EACCES", error(() -> guest3.read("/local/domain/5/secret")));
        dom0.request(XsWire.XS_SET_TARGET, 0, XsMessages.strings("3", "5"));
        assertEquals("s5", guest3.read("/local/domain/5/secret"));
    }
}
