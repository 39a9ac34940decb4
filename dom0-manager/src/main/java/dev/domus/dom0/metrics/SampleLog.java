package dev.domus.dom0.metrics;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The samples domusd records under its home ({@code metrics/samples.csv}) for {@code domus plot}:
 * one CSV line per domain per sample, plus one {@code host} line (domid -1) with the host's
 * memory. Columns are {@link #HEADER}; names are percent-encoded where they hold a comma, a
 * percent sign or a line break. When the file passes {@link #ROTATE_BYTES} it is moved to
 * {@code samples.csv.1} (one older file kept), so a long-running host does not fill its disk.
 */
public final class SampleLog {

    public static final String HEADER = "time_ms,domid,name,state,cpu_ns,memory_mib,maxmem_mib,shared_pages,"
            + "paged_pages,runstate_running_ns,runstate_blocked_ns,hypercalls,events_received,blk_read_bytes,"
            + "blk_write_bytes,clock_ns";
    static final long ROTATE_BYTES = 64L << 20;

    /**
     * One line: a domain (or, with domid -1, the host: memory = free MiB, maxmem = total MiB,
     * cpu_ns = pCPUs) at {@code timeMs}. {@code clockNs} is domusd's monotonic clock when
     * {@code cpuNs} was read (0 if unknown), so CPU shares do not depend on sampling delays.
     */
    public record Row(long timeMs, int domid, String name, String state, long cpuNs, long memoryMib, long maxmemMib,
                      long sharedPages, long pagedPages, long runningNs, long blockedNs, long hypercalls,
                      long eventsReceived, long blkReadBytes, long blkWriteBytes, long clockNs) {

        public boolean isHost() {
            return domid < 0;
        }
    }

    private SampleLog() {
    }

    /** The log file of the host whose home is {@code home}. */
    public static Path file(Path home) {
        return home.resolve("metrics").resolve("samples.csv");
    }

    /** The lines for one sample taken at {@code timeMs} (wall clock). */
    public static List<Row> rows(long timeMs, HostSample s) {
        List<Row> out = new ArrayList<>();
        out.add(new Row(timeMs, -1, "host", "up", s.pcpus(), s.freeMemoryMib(), s.totalMemoryMib(), 0, 0, 0, 0, 0,
                0, 0, 0, 0));
        for (DomainSample d : s.domains()) {
            boolean exact = d.counters().containsKey("time_ns") && d.counters().containsKey("cpu_time_ns");
            out.add(new Row(timeMs, d.domid(), d.name(), d.state(), exact ? d.counter("cpu_time_ns") : d.cpuTimeNs(),
                    d.memoryMib(), d.maxmemMib(),
                    d.counter("shared_pages"), d.counter("paged_pages"), d.counter("runstate_running_ns"),
                    d.counter("runstate_blocked_ns"), d.counterSum("hypercalls:"), d.counter("events_received"),
                    d.counter("blk_read_bytes"), d.counter("blk_write_bytes"), exact ? d.counter("time_ns") : 0));
        }
        return out;
    }

    /** Appends {@code rows} to {@code file} (creating it with its header), rotating a full file first. */
    public static void append(Path file, List<Row> rows) throws IOException {
        Files.createDirectories(file.getParent());
        if (Files.exists(file) && Files.size(file) > ROTATE_BYTES) {
            Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
        boolean fresh = !Files.exists(file) || Files.size(file) == 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
            if (fresh) {
                w.write(HEADER);
                w.write('\n');
            }
            for (Row r : rows) {
                w.write(r.timeMs() + "," + r.domid() + "," + encode(r.name()) + "," + encode(r.state()) + ","
                        + r.cpuNs() + "," + r.memoryMib() + "," + r.maxmemMib() + "," + r.sharedPages() + ","
                        + r.pagedPages() + "," + r.runningNs() + "," + r.blockedNs() + "," + r.hypercalls() + ","
                        + r.eventsReceived() + "," + r.blkReadBytes() + "," + r.blkWriteBytes() + "," + r.clockNs()
                        + "\n");
            }
        }
    }

    /**
     * Reads the rotated file (if any) and the current one, oldest first. A line cut short by a
     * crash mid-write (the last one) is skipped; any other malformed line is refused with its
     * file and line number.
     */
    public static List<Row> read(Path file) throws IOException {
        List<Row> out = new ArrayList<>();
        for (Path f : List.of(file.resolveSibling(file.getFileName() + ".1"), file)) {
            if (!Files.exists(f)) {
                continue;
            }
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (i == 0) {
                    if (!line.equals(HEADER)) {
                        throw new IOException(f + ": not a Domus sample log (header is '" + line + "')");
                    }
                    continue;
                }
                String[] c = line.split(",", -1);
                try {
                    if (c.length != 16) {
                        throw new IllegalArgumentException(c.length + " columns, not 16");
                    }
                    out.add(new Row(Long.parseLong(c[0]), Integer.parseInt(c[1]), decode(c[2]), decode(c[3]),
                            Long.parseLong(c[4]), Long.parseLong(c[5]), Long.parseLong(c[6]), Long.parseLong(c[7]),
                            Long.parseLong(c[8]), Long.parseLong(c[9]), Long.parseLong(c[10]), Long.parseLong(c[11]),
                            Long.parseLong(c[12]), Long.parseLong(c[13]), Long.parseLong(c[14]),
                            Long.parseLong(c[15])));
                } catch (IllegalArgumentException e) {
                    if (i == lines.size() - 1) {
                        break; // a torn last line
                    }
                    throw new IOException(f + " line " + (i + 1) + ": " + e.getMessage());
                }
            }
        }
        return out;
    }

    static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) {
            if (ch == ',' || ch == '%' || ch == '\n' || ch == '\r') {
                b.append('%').append(String.format("%02X", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    static String decode(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '%' && i + 2 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
