package dev.domus.dom0.save;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image format round trip, and every refusal, on real files made here. */
class ImageFormatTest {

    @TempDir
    Path tmp;

    private static final SavedDomainInfo INFO = new SavedDomainInfo("g", 7, "a.b.Kernel", "", "seed=1",
            64, 128, 2, 16, new long[] {0, 1, 2, 3});

    private static byte[] page(int seed) {
        byte[] p = new byte[4096];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (seed * 31 + i);
        }
        return p;
    }

    /** 16 PFNs: 4..9 data, 10..12 zero, 13..15 absent, 0..3 data; batches of 1024 max. */
    private Path write(String name) throws Exception {
        Path f = tmp.resolve(name);
        try (ImageWriter w = new ImageWriter(f)) {
            w.domainInfo(INFO);
            w.config("/etc/g.cfg", "name = \"g\"\n");
            Map<String, String> xs = new LinkedHashMap<>();
            xs.put("data/memcheck/status", "ok");
            xs.put("name", "g");
            w.xenstore(xs);
            w.vcpu(0, true, 123);
            w.vcpu(1, false, 0);
            w.record(ImageFormat.REC_TYPE_SHARED_INFO, page(99));
            PageBatch b = new PageBatch();
            for (int pfn = 0; pfn < 10; pfn++) {
                b.page(pfn, page(pfn), 0);
            }
            for (int pfn = 10; pfn < 13; pfn++) {
                b.page(pfn, new byte[4096], 0);
            }
            b.writeTo(w);
            for (int pfn = 13; pfn < 16; pfn++) {
                b.absent(pfn);
            }
            b.writeTo(w);
            w.finish();
        }
        return f;
    }

    @Test
    void roundTripKeepsEveryRecordAndPage() throws Exception {
        Path f = write("ok.img");
        List<long[]> got = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        SavedImage img = ImageReader.read(f, (pfn, type, d, off) -> {
            got.add(new long[] {pfn, type});
            data.add(d == null ? null : Arrays.copyOfRange(d, off, off + 4096));
        });
        assertEquals("g", img.info().name());
        assertEquals(16, img.info().nrPages());
        assertArrayEquals(new long[] {0, 1, 2, 3}, img.info().specialPfns());
        assertEquals("name = \"g\"\n", img.config());
        assertEquals("/etc/g.cfg", img.configSource());
        assertEquals("ok", img.xenstore().get("data/memcheck/status"));
        assertEquals(2, img.vcpus().size());
        assertEquals(123, img.vcpus().get(0)[2]);
        assertArrayEquals(page(99), img.sharedInfo());
        assertEquals(10, img.normalPages());
        assertEquals(3, img.zeroPages());
        assertEquals(3, img.absentPages());
        assertEquals(Files.size(f), img.bytes());
        assertEquals(16, got.size());
        for (int pfn = 0; pfn < 16; pfn++) {
            assertEquals(pfn, got.get(pfn)[0]);
            long want = pfn < 10 ? ImageFormat.PAGE_NORMAL : pfn < 13 ? ImageFormat.PAGE_ZERO : ImageFormat.PAGE_ABSENT;
            assertEquals(want, got.get(pfn)[1]);
            if (pfn < 10) {
                assertArrayEquals(page(pfn), data.get(pfn));
            } else {
                assertNull(data.get(pfn));
            }
        }
        // zero and absent pages are not expanded: 10 pages of data plus headers
        assertTrue(Files.size(f) < 11 * 4096 + 4096, "size " + Files.size(f));
    }

    private String refusal(byte[] image) throws Exception {
        Path f = tmp.resolve("bad-" + System.nanoTime() + ".img");
        Files.write(f, image);
        ImageException e = assertThrows(ImageException.class, () -> ImageReader.verify(f));
        return e.getMessage();
    }

    @Test
    void wrongMagicIsRefused() throws Exception {
        byte[] b = Files.readAllBytes(write("m.img"));
        b[8] = 'X';
        assertTrue(refusal(b).contains("wrong magic"), refusal(b));
        assertTrue(refusal("name = \"x\"\nkernel = \"k\"\n".repeat(4).getBytes()).contains("wrong magic"));
    }

    @Test
    void wrongVersionIsRefused() throws Exception {
        byte[] b = Files.readAllBytes(write("v.img"));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 2);
        assertTrue(refusal(b).contains("unsupported image version 2 (this build reads version 1)"), refusal(b));
    }

    @Test
    void truncationAnywhereIsRefused() throws Exception {
        byte[] b = Files.readAllBytes(write("t.img"));
        for (int cut : new int[] {0, 10, 40, 60, 100, b.length / 2, b.length - 9, b.length - 1}) {
            String why = refusal(Arrays.copyOf(b, cut));
            assertTrue(why.contains("truncated"), cut + ": " + why);
        }
    }

    @Test
    void aFlippedBitAnywhereIsACleanRefusal() throws Exception {
        byte[] b = Files.readAllBytes(write("c.img"));
        // one byte inside page data: a checksum error naming the record
        byte[] c = b.clone();
        c[b.length / 2] ^= 0x10;
        String why = refusal(c);
        assertTrue(why.contains("checksum error in record") && why.contains("PAGE_DATA"), why);
        // every other position: always refused with a message, never accepted or crashing
        for (int i = 16; i < b.length; i += 97) {
            byte[] d = b.clone();
            d[i] ^= 0x01;
            Path f = tmp.resolve("flip.img");
            Files.write(f, d);
            ImageException e = assertThrows(ImageException.class, () -> ImageReader.verify(f), "byte " + i);
            assertFalse(e.getMessage().isBlank());
        }
        byte[] h = b.clone();
        h[20] ^= 1; // reserved field of the image header: only the CRC catches it
        assertTrue(refusal(h).contains("checksum error in the image header"), refusal(h));
    }

    @Test
    void dataAfterEndIsRefused() throws Exception {
        byte[] b = Files.readAllBytes(write("e.img"));
        byte[] longer = Arrays.copyOf(b, b.length + 8);
        assertTrue(refusal(longer).contains("data after the END record"), refusal(longer));
    }

    @Test
    void aWriterClosedWithoutFinishLeavesNoFile() throws Exception {
        Path f = tmp.resolve("partial.img");
        try (ImageWriter w = new ImageWriter(f)) {
            w.domainInfo(INFO);
            assertTrue(Files.exists(f));
        }
        assertFalse(Files.exists(f));
    }

    @Test
    void missingFileIsAClearError() {
        ImageException e = assertThrows(ImageException.class, () -> ImageReader.verify(tmp.resolve("nope.img")));
        assertTrue(e.getMessage().startsWith("no such image file"), e.getMessage());
    }
}
