package dev.domus.dom0.console.command;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import javax.imageio.ImageIO;

import dev.domus.dom0.control.ControlEvent;
import dev.domus.dom0.control.ControlJournal;
import dev.domus.dom0.control.wire.ControlClient;
import dev.domus.dom0.control.wire.DomusHome;
import dev.domus.dom0.metrics.FlatJson;
import dev.domus.dom0.metrics.HostPlot;
import dev.domus.dom0.metrics.SampleLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code domus plot --out FILE.png [--since T]}: draws the host's run as a PNG (see
 * {@link HostPlot}) from the samples domusd records under its home and the domain events of
 * its event queue (asked of the running domusd, else read from the queue on disk).
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Draw a PNG timeline of the host's run: CPU share and memory per domain, with "
                + "domain events (created, saved, migrated, mem-set, ...) marked.")
public final class PlotCommand implements Callable<Integer> {

    /** Commands whose results are marked on the plot. */
    private static final List<String> MARKED_COMMANDS = List.of("mem-set", "mem-max", "save", "restore", "migrate",
            "vcpu-set");

    @Option(names = "--home", paramLabel = "DIR",
            description = "The host's directory. Default: $DOMUS_HOME, else ~/.domus")
    Path home;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", required = true, description = "The PNG to write")
    Path out;

    @Option(names = "--since", paramLabel = "T",
            description = "Only from T on: a duration back from now (30s, 10m, 2h) or an instant (2026-11-26T09:00:00Z)")
    String since;

    @Option(names = "--width", paramLabel = "PX", defaultValue = "1200", description = "Width (default ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--height", paramLabel = "PX", defaultValue = "800", description = "Height (default ${DEFAULT-VALUE})")
    int height;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.awt.headless", "true");
        if (width < 200 || width > 10_000 || height < 200 || height > 10_000) {
            throw new ControlCommand.CommandFailedException("--width/--height: give 200 to 10000 pixels");
        }
        if (out.getFileName() == null || !out.getFileName().toString().toLowerCase().endsWith(".png")) {
            throw new ControlCommand.CommandFailedException("--out " + out + ": name a .png file");
        }
        long sinceMs = sinceMillis(since);
        Path dir = DomusHome.resolve(home);
        Path file = SampleLog.file(dir);
        if (!Files.exists(file)) {
            throw new ControlCommand.CommandFailedException("no samples at " + file
                    + ": domusd records them there while it runs (--sample-interval)");
        }
        List<SampleLog.Row> rows;
        try {
            rows = SampleLog.read(file);
        } catch (IOException e) {
            throw new ControlCommand.CommandFailedException("cannot read the samples: " + e.getMessage());
        }
        List<HostPlot.Mark> marks = marks(dir);
        BufferedImage image;
        try {
            image = HostPlot.render(rows, marks, sinceMs, width, height);
        } catch (IllegalArgumentException e) {
            throw new ControlCommand.CommandFailedException(e.getMessage());
        }
        Path target = out.toAbsolutePath();
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer");
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new ControlCommand.CommandFailedException("cannot write " + out + ": " + e.getMessage());
        }
        PrintWriter w = spec.commandLine().getOut();
        w.printf("wrote %s (%dx%d) from %d samples and %d events%n", out, width, height,
                rows.stream().filter(SampleLog.Row::isHost).count(), marks.size());
        w.flush();
        return 0;
    }

    static long sinceMillis(String since) throws ControlCommand.CommandFailedException {
        if (since == null) {
            return 0;
        }
        var m = java.util.regex.Pattern.compile("(\\d+)(s|m|h|d)").matcher(since);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return System.currentTimeMillis() - d.toMillis();
        }
        try {
            return Instant.parse(since).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new ControlCommand.CommandFailedException("--since " + since
                    + ": give a duration (30s, 10m, 2h, 1d) or an instant (2026-11-26T09:00:00Z)");
        }
    }

    /** The events worth marking, from the running domusd, else from the queue on disk. */
    private static List<HostPlot.Mark> marks(Path home) throws ControlCommand.CommandFailedException {
        List<ControlEvent> events = new ArrayList<>();
        try {
            List<String> lines = new ArrayList<>();
            ControlClient.Reply r = new ControlClient(home).call(ControlClient.newRequestId(), "events",
                    List.of("--json"), lines::add);
            if (!r.ok()) {
                throw new ControlCommand.CommandFailedException("cannot read the event queue: " + r.text());
            }
            for (String line : lines) {
                if (!line.isBlank()) {
                    events.add(event(FlatJson.object(line)));
                }
            }
        } catch (ControlClient.DomusUnavailableException down) {
            Path queues = home.resolve("queues");
            if (Files.isDirectory(queues)) {
                try (ControlJournal j = new ControlJournal(queues)) {
                    j.readEvents(-1, e -> events.add(e));
                }
            }
        }
        List<HostPlot.Mark> marks = new ArrayList<>();
        for (ControlEvent e : events) {
            if (e.isResult()) {
                if (e.ok() && MARKED_COMMANDS.contains(e.command())) {
                    marks.add(new HostPlot.Mark(e.timeMillis(), e.command()));
                }
            } else if (!e.type().startsWith("host-")) {
                marks.add(new HostPlot.Mark(e.timeMillis(), e.type() + (e.domain().isEmpty() ? "" : " " + e.domain())));
            }
        }
        return marks;
    }

    private static ControlEvent event(Map<String, Object> o) {
        return new ControlEvent(num(o, "index"), num(o, "time_ms"), str(o, "type"), str(o, "request_id"),
                str(o, "command"), Boolean.TRUE.equals(o.get("ok")), (int) num(o, "domid"), str(o, "domain"),
                str(o, "message"));
    }

    private static long num(Map<String, Object> o, String k) {
        return o.get(k) instanceof Long v ? v : 0;
    }

    private static String str(Map<String, Object> o, String k) {
        return o.get(k) instanceof String v ? v : "";
    }
}
