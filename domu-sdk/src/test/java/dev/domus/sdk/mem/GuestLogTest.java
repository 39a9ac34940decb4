package dev.domus.sdk.mem;

import static org.junit.jupiter.api.Assertions.*;

import dev.domus.abi.XenErrno;
import dev.domus.sdk.ArrayGuestMemory;
import dev.domus.sdk.XenException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestLogTest {

    private final ArrayGuestMemory memory = new ArrayGuestMemory(64 * 1024);

    private static List<String> read(GuestLog log) {
        List<String> out = new ArrayList<>();
        log.forEach((seq, p) -> out.add(seq + ":" + new String(p)));
        return out;
    }

    @Test
    void appendsAreReadBackInOrderWithSequenceNumbers() {
        GuestLog log = GuestLog.format(memory, 0, 4096);
        assertEquals(1, log.append("a"));
        assertEquals(2, log.append("bb"));
        assertEquals(List.of("1:a", "2:bb"), read(log));
    }

    @Test
    void aFullLogDropsTheOldestRecordsAndWrapsCleanly() {
        GuestLog log = GuestLog.format(memory, 0, 64 + 512);
        for (int i = 1; i <= 100; i++) {
            log.append("record-" + i + "-" + "x".repeat(i % 13));
        }
        List<String> held = read(log);
        assertFalse(held.isEmpty());
        assertTrue(held.size() < 100);
        assertEquals("100:record-100-" + "x".repeat(100 % 13), held.get(held.size() - 1));
        long first = log.firstSequence();
        for (int i = 0; i < held.size(); i++) {
            assertTrue(held.get(i).startsWith((first + i) + ":record-" + (first + i) + "-"), held.get(i));
        }
        assertEquals(101, log.nextSequence());
    }

    @Test
    void oversizeRecordIsRefusedAndLogUnchanged() {
        GuestLog log = GuestLog.format(memory, 0, 256);
        log.append("keep");
        XenException e = assertThrows(XenException.class, () -> log.append(new byte[1000]));
        assertEquals(XenErrno.XEN_EMSGSIZE, e.errno());
        assertEquals(List.of("1:keep"), read(log));
    }

    @Test
    void logSurvivesSnapshotAndRestore() {
        GuestLog log = GuestLog.format(memory, 4096, 4096);
        log.append("before save");
        GuestLog again = GuestLog.attach(ArrayGuestMemory.restore(memory.snapshot()), 4096);
        again.append("after restore");
        assertEquals(List.of("1:before save", "2:after restore"), read(again));
    }
}
