package dev.domus.dom0.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample log domusd writes and {@code domus plot} reads. */
class SampleLogTest {

    @TempDir
    Path tmp;

    private static HostSample sample(String name, long cpu) {
        return new HostSample(0, 2, 256, 100, List.of(new DomainSample(3, name, "running", 16, 32, 1, cpu,
                Map.of("time_ns", 77L, "cpu_time_ns", cpu, "shared_pages", 5L, "paged_pages", 6L, "hypercalls:xen_version:XENVER_version", 7L,
                        "hypercalls:sched_op:SCHEDOP_yield", 1L, "events_received", 9L))));
    }

    @Test
    void rowsRoundTripWithAwkwardNamesAndATornLastLineIsSkipped() throws IOException {
        Path f = SampleLog.file(tmp);
        SampleLog.append(f, SampleLog.rows(1000, sample("a,b%c\nd", 10)));
        SampleLog.append(f, SampleLog.rows(2000, sample("plain", 20)));
        List<SampleLog.Row> rows = SampleLog.read(f);
        assertEquals(4, rows.size());
        assertTrue(rows.get(0).isHost());
        assertEquals(100, rows.get(0).memoryMib(), "host row: free memory");
        assertEquals(256, rows.get(0).maxmemMib(), "host row: total memory");
        SampleLog.Row d = rows.get(1);
        assertEquals("a,b%c\nd", d.name());
        assertEquals(10, d.cpuNs());
        assertEquals(77, d.clockNs(), "domusd's clock when the CPU time was read");
        assertEquals(5, d.sharedPages());
        assertEquals(6, d.pagedPages());
        assertEquals(8, d.hypercalls());
        assertEquals(9, d.eventsReceived());
        Files.writeString(f, "3000,3,torn", StandardOpenOption.APPEND);
        assertEquals(4, SampleLog.read(f).size(), "a line cut by a crash is skipped");
        Files.writeString(f, "\n4000,3,x,running,1,1,1,0,0,0,0,0,0,0,0,0\n", StandardOpenOption.APPEND);
        IOException e = assertThrows(IOException.class, () -> SampleLog.read(f));
        assertTrue(e.getMessage().contains("line 6"), e.getMessage());
    }

    @Test
    void aForeignFileIsRefusedAndAFullLogRotates() throws IOException {
        Path f = SampleLog.file(tmp);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "something,else\n");
        assertTrue(assertThrows(IOException.class, () -> SampleLog.read(f)).getMessage().contains("not a Domus sample log"));
        Files.delete(f);
        SampleLog.append(f, SampleLog.rows(1000, sample("old", 1)));
        // Grow the file past the limit without writing 64 MiB: a sparse tail of spaces is not
        // read back, so move it aside first through the rotation itself.
        try (var ch = java.nio.channels.FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(f));
            ch.position(SampleLog.ROTATE_BYTES);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'\n'}));
        }
        SampleLog.append(f, SampleLog.rows(2000, sample("new", 2)));
        assertTrue(Files.exists(f.resolveSibling("samples.csv.1")));
        assertEquals(2, Files.readAllLines(f).size() - 1, "the new file has its header and one sample");
    }
}
