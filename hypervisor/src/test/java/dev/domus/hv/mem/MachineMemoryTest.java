package dev.domus.hv.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class MachineMemoryTest {

    private static final long MIB = 1 << 20;

    /** Resident set size of this JVM in bytes, from /proc/self/status. */
    static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @Test
    void eightGibRegionCostsNoResidentMemoryUntilFramesAreWritten() throws IOException {
        long before = rss();
        try (MachineMemory mem = new MachineMemory(8L << 30)) {
            assertEquals(2 * 1024 * 1024, mem.frames());
            long afterReserve = rss();
            assertTrue(afterReserve - before < 64 * MIB,
                    "reserving 8 GiB made " + (afterReserve - before) / MIB + " MiB resident");

            // Reading untouched frames (the scrubber's zero check) maps no memory either.
            for (long mfn = 0; mfn < mem.frames(); mfn += 512) {
                assertTrue(mem.isFrameZero(mfn));
            }
            long afterRead = rss();
            assertTrue(afterRead - before < 64 * MIB, "reading made " + (afterRead - before) / MIB + " MiB resident");

            // Writing 64 MiB spread over every chunk makes about that much resident.
            long frames = 64 * MIB / 4096;
            long stride = mem.frames() / frames;
            for (long i = 0; i < frames; i++) {
                MachineMemory.UNSAFE.setMemory(mem.frameAddress(i * stride), 4096, (byte) 1);
            }
            long afterWrite = rss();
            assertTrue(afterWrite - afterRead >= 48 * MIB,
                    "writing 64 MiB grew RSS by only " + (afterWrite - afterRead) / MIB + " MiB");
        }
    }

    @Test
    void framesAreAddressableAcrossChunksAndStartZeroed() {
        try (MachineMemory mem = new MachineMemory(MachineMemory.CHUNK_BYTES + 8 * 4096)) {
            long last = mem.frames() - 1;
            UnsafeBuffer b = mem.wrapFrame(last, new UnsafeBuffer(0, 0));
            assertEquals(0L, b.getLong(4088));
            b.putLong(4088, 0x1122334455667788L);
            assertFalse(mem.isFrameZero(last));
            mem.copyFrame(last, 0);
            assertEquals(0x1122334455667788L, mem.wrapFrame(0, new UnsafeBuffer(0, 0)).getLong(4088));
            mem.scrubFrame(last);
            assertTrue(mem.isFrameZero(last));
            assertThrows(IndexOutOfBoundsException.class, () -> mem.wrapFrame(mem.frames(), b));
            assertThrows(IndexOutOfBoundsException.class, () -> mem.wrapFrame(-1, b));
        }
    }

    @Test
    void badSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MachineMemory(0));
        assertThrows(IllegalArgumentException.class, () -> new MachineMemory(4097));
        assertThrows(IllegalArgumentException.class, () -> new MachineMemory(-4096));
    }
}
