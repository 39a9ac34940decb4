package dev.domus.dom0.migrate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.domus.dom0.ConsoleRun;
import dev.domus.dom0.console.DomusCli;
import dev.domus.dom0.save.ImageFormat;
import dev.domus.sdk.blk.BlkFront;
import org.junit.jupiter.api.Test;

/**
 * Issue #9: a domain with a disk on shared storage (one file both hosts see, as a SAN or NFS
 * share with Xen) migrates between two domusd on loopback with its disk content and xenstore
 * data intact. The guest writes to the disk until it suspends; on the target its blkfront
 * reconnects, it reads back what it wrote and writes more; the file is then checked byte for
 * byte. Only one host has the file open for writing at a time: blkback locks a writable disk,
 * so the target's backend could not open it while the source's still held it. A migration cut
 * in stop-and-copy (after the source let go of the disk) gives the disk back to the source's
 * guest, which goes on writing it.
 */
class MigrateDiskTest extends TwoHostsTest {

    private static final int DISK_BYTES = 1 << 20;



    private Path diskCfg(Path img) throws Exception {
        Path f = tmp.resolve("mover.cfg");
        Files.writeString(f, "name = \"mover\"\nkernel = \"" + DiskMoverGuest.class.getName() + "\"\n"
                + "memory = 16\nmaxmem = 16\nvcpus = 1\non_crash = \"preserve\"\n"
                + "disk = [ 'file:" + img + ",xvda,w' ]\n");
        return f;
    }

    @Test
    void theDiskIsWrittenOnTheSourceAndReadAndWrittenOnTheTargetWithNoTwoWriters() throws Exception {
        Path img = tmp.resolve("shared.img");
        try (FileChannel f = FileChannel.open(img, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.allocate(1), DISK_BYTES - 1);
        }
        Path cfg = diskCfg(img);
        int domid = MigrateTest.domid(MigrateTest.ok(a, "create", cfg.toString()).out());
        String home = "/local/domain/" + domid;
        MigrateTest.awaitValue(a.xs(), home + "/data/disk/first", "written");

        // The file is in use for writing on A: B may not open it as well.
        ConsoleRun twice = MigrateTest.domus(b, "create", cfg.toString());
        assertTrue(twice.rc() != 0 && twice.err().contains("in use"), twice.out() + twice.err());
        assertFalse(MigrateTest.ok(b, "list").out().contains("mover"), "the refused create left nothing");

        // Cut in stop-and-copy: the source had let go of the disk; it opens it again and resumes the guest.
        try (FaultProxy p = new FaultProxy(b.listen(), FaultProxy.Fault.CUT, ImageFormat.REC_TYPE_X86_PV_VCPU_BASIC,
                0, null)) {
            ConsoleRun cut = MigrateTest.domus(a, "migrate", "mover", p.address());
            assertEquals(DomusCli.EXIT_FAILURE, cut.rc(), cut.out());
            assertTrue(cut.err().contains("lost the connection") && cut.err().contains("it was resumed"), cut.err());
        }
        MigrateTest.awaitExists(a.xs(), home + "/data/disk/after-cancel");
        MigrateFaultTest.awaitNoGuests(b.xs()); // the target removes its partial domain when it sees the cut

        String out = MigrateTest.ok(a, "migrate", "mover", b.listen()).out();
        System.out.print(out);
        int there = MigrateTest.domid(out.substring(out.indexOf("as domid") + 3));
        String moved = "/local/domain/" + there + "/data/disk/";
        MigrateTest.awaitValue(b.xs(), moved + "moved", "ok");
        assertEquals("written", b.xs().read(moved + "first"), "the key the guest wrote on A is there on B");
        long counter = Long.parseLong(b.xs().read(moved + "counter"));
        assertTrue(counter >= 1, "the guest wrote sector 0 at least once before it moved: " + counter);
        assertFalse(MigrateTest.ok(a, "list").out().contains("mover"));

        // Now A may not open it: B holds it. Then B lets go, and the file is what the guest wrote.
        ConsoleRun back = MigrateTest.domus(a, "create", cfg.toString());
        assertTrue(back.rc() != 0 && back.err().contains("in use"), back.out() + back.err());
        MigrateTest.ok(b, "destroy", "mover");
        byte[] want = new byte[DISK_BYTES];
        System.arraycopy(DiskMoverGuest.counterSector(counter), 0, want, 0, BlkFront.SECTOR);
        for (int i = 0; i < DiskMoverGuest.SECTORS * BlkFront.SECTOR; i++) {
            want[(int) DiskMoverGuest.FIRST * BlkFront.SECTOR + i] = DiskMoverGuest.pattern(1, i);
            want[(int) DiskMoverGuest.SECOND * BlkFront.SECTOR + i] = DiskMoverGuest.pattern(2, i);
        }
        assertArrayEquals(want, Files.readAllBytes(img), "the disk holds exactly what the guest wrote on both hosts");
    }
}
