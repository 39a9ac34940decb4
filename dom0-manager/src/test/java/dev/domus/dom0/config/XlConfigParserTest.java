package dev.domus.dom0.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XlConfigParserTest {

    @TempDir
    Path dir;

    private DomainConfig parse(String text) throws ConfigException {
        return XlConfigParser.parse(text, dir, null);
    }

    private String refusal(String text) {
        return assertThrows(ConfigException.class, () -> parse(text)).getMessage();
    }

    @Test
    void parsesAFullXlStyleConfig() throws Exception {
        Files.createFile(dir.resolve("disk.img"));
        Files.createFile(dir.resolve("ro.img"));
        DomainConfig c = parse("""
                # a web guest
                name = "web1"
                kernel = 'dev.domus.examples.KvStore'
                memory = 256
                maxmem = "1G"
                vcpus = 2
                cpus = "0-1,3"
                weight = 512 ; cap = 50
                disk = [ 'file:disk.img,xvda,w',
                         'ro.img,xvdb,r' ]   # read-only data
                on_poweroff = "destroy"
                on_reboot = "restart"
                on_crash = "preserve"
                java_heap = "64M"
                extra = "mode=fast port=8080"
                """.replace(" ; cap = 50", "\ncap = 50"));
        assertEquals("web1", c.name());
        assertEquals("dev.domus.examples.KvStore", c.kernel());
        assertEquals(256, c.memoryMib());
        assertEquals(1024, c.maxmemMib());
        assertEquals(2, c.vcpus());
        assertEquals(List.of(0, 1, 3), List.copyOf(c.cpus()));
        assertEquals(512, c.weight());
        assertEquals(50, c.cap());
        assertEquals(2, c.disks().size());
        assertEquals(new DiskSpec(dir.resolve("disk.img"), "xvda", true), c.disks().get(0));
        assertFalse(c.disks().get(1).writable());
        assertEquals(51728, c.disks().get(1).virtualDevice(), "xvdb = 202:16");
        assertEquals(LifecycleAction.DESTROY, c.onPoweroff());
        assertEquals(LifecycleAction.RESTART, c.onReboot());
        assertEquals(LifecycleAction.PRESERVE, c.onCrash());
        assertEquals(64, c.javaHeapMib());
        assertEquals(Map.of("mode", "fast", "port", "8080"), c.extraArgs());
    }

    @Test
    void defaultsFollowXl() throws Exception {
        DomainConfig c = parse("name = \"a\"\nkernel = \"x.K\"\n");
        assertEquals(128, c.memoryMib());
        assertEquals(128, c.maxmemMib());
        assertEquals(1, c.vcpus());
        assertTrue(c.cpus().isEmpty());
        assertEquals(256, c.weight());
        assertEquals(LifecycleAction.DESTROY, c.onCrash());
        assertEquals(LifecycleAction.RESTART, c.onReboot());
    }

    @Test
    void refusesAMissingKernel() {
        assertTrue(refusal("name = \"a\"\nmemory = 64\n").startsWith("missing kernel: add kernel = "));
    }

    @Test
    void refusesAnUnknownKeyNamingIt() {
        String m = refusal("name = \"a\"\nkernel = \"x.K\"\nmemroy = 64\n");
        assertTrue(m.startsWith("unknown key 'memroy'"), m);
    }

    @Test
    void refusesADiskFileThatDoesNotExist() {
        String m = refusal("name = \"a\"\nkernel = \"x.K\"\ndisk = [ 'file:/nonexistent/d.img,xvda,w' ]\n");
        assertTrue(m.startsWith("disk file /nonexistent/d.img does not exist"), m);
    }

    @Test
    void refusesBadValuesWithWhatToWrite() throws Exception {
        Files.createFile(dir.resolve("d.img"));
        String base = "name = \"a\"\nkernel = \"x.K\"\n";
        assertTrue(refusal(base + "memory = 64\nmaxmem = 32\n").contains("raise maxmem"));
        assertTrue(refusal(base + "memory = lots\n").contains("write e.g. 512, 512M or 2G"));
        assertTrue(refusal(base + "vcpus = 0\n").contains("use 1 to 128"));
        assertTrue(refusal(base + "on_crash = \"reboot\"\n").contains("use destroy, restart or preserve"));
        assertTrue(refusal(base + "cpus = \"3-1\"\n").contains("\"0-1,3\""));
        assertTrue(refusal(base + "disk = [ 'd.img,hda,w' ]\n").contains("must be xvda..xvdz"));
        assertTrue(refusal(base + "disk = [ 'd.img,xvda,x' ]\n").contains("must be w or r"));
        assertTrue(refusal(base + "disk = [ 'phy:/dev/sda,xvda,w' ]\n").contains("only file-backed"));
        assertTrue(refusal(base + "disk = [ 'd.img,xvda,w', 'd.img,xvda,r' ]\n").contains("used twice"));
        assertTrue(refusal(base + "name = \"b\"\n").contains("set twice"));
        assertTrue(refusal("name = \"bad name\"\nkernel = \"x.K\"\n").contains("use letters, digits"));
        assertTrue(refusal("name = a b\nkernel = \"x.K\"\n").contains("unexpected text after the value of name"));
        assertTrue(refusal("name = \"42\"\nkernel = \"x.K\"\n").contains("read as a domid"));
        assertTrue(refusal("name = \"a\"\nkernel = \"not a class\"\n").contains("not a class name"));
        assertTrue(refusal("name = \"a\"\nkernel = \"missing.jar\"\n").contains("does not exist"));
        assertTrue(refusal("name = \"a\nkernel = \"x.K\"\n").contains("unterminated string"));
        assertTrue(refusal(base + "disk = [ 'd.img,xvda,w' \n").contains("expected ',' or ']'"));
        assertTrue(refusal("kernel = \"x.K\"\n").startsWith("missing name"));
    }

    @Test
    void aConfigFileThatDoesNotExistIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> XlConfigParser.parse(dir.resolve("no.cfg")));
        assertTrue(e.getMessage().endsWith("no.cfg does not exist"), e.getMessage());
    }

    @Test
    void errorsFromAFileNameTheFileAndLine() throws Exception {
        Path f = dir.resolve("g.cfg");
        Files.writeString(f, "name = \"a\"\nkernel = \"x.K\"\nmemory 64\n");
        ConfigException e = assertThrows(ConfigException.class, () -> XlConfigParser.parse(f));
        assertEquals(f.toAbsolutePath() + ": line 3: expected '=' after memory", e.getMessage());
    }

    @Test
    void sizesAcceptXlAndSuffixedForms() {
        assertEquals(512, Sizes.parseMib("512"));
        assertEquals(512, Sizes.parseMib("512M"));
        assertEquals(2048, Sizes.parseMib("2G"));
        assertEquals(2048, Sizes.parseMib("2GiB"));
        assertEquals(64, Sizes.parseMib("65536K"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseMib("1K"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseMib("-1"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseMib("G"));
    }
}
