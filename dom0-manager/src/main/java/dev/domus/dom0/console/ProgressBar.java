package dev.domus.dom0.console;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The console's progress bar for save, restore and migrate, drawn in place on a terminal
 * ({@code \r}, no newline until {@link #finish()}): the operation and round, a bar of the
 * pages done in this round, bytes so far, the rate, and the time left in this round. It reads
 * the reports domusd streams (see {@code dev.domus.dom0.control.Progress}).
 */
public final class ProgressBar {

    private static final int WIDTH = 24;
    private final PrintWriter out;
    private long startNanos = -1;
    private long roundStartNanos;
    private String round = "";
    private int drawn;

    public ProgressBar(PrintWriter out) {
        this.out = out;
    }

    /** Draws one report received at {@code nowNanos}. */
    public void update(String report, long nowNanos) {
        Map<String, String> kv = parse(report);
        if (startNanos < 0) {
            startNanos = nowNanos;
        }
        if (!kv.getOrDefault("round", "").equals(round)) {
            round = kv.getOrDefault("round", "");
            roundStartNanos = nowNanos;
        }
        String text = render(kv, (nowNanos - startNanos) / 1e9, (nowNanos - roundStartNanos) / 1e9);
        out.print("\r" + text + " ".repeat(Math.max(0, drawn - text.length())));
        out.flush();
        drawn = text.length();
    }

    /** Ends the line the bar was drawn on (if it was drawn). */
    public void finish() {
        if (drawn > 0) {
            out.println();
            out.flush();
            drawn = 0;
        }
    }

    static Map<String, String> parse(String report) {
        Map<String, String> kv = new HashMap<>();
        for (String part : report.trim().split(" +")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                kv.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return kv;
    }

    private static long num(Map<String, String> kv, String key) {
        try {
            return Long.parseLong(kv.getOrDefault(key, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** One frame: {@code seconds} since the first report, {@code roundSeconds} since this round's first. */
    static String render(Map<String, String> kv, double seconds, double roundSeconds) {
        long done = num(kv, "done");
        long total = Math.max(num(kv, "total"), done);
        long bytes = num(kv, "bytes");
        String op = kv.getOrDefault("op", "");
        StringBuilder sb = new StringBuilder(op);
        if (kv.containsKey("round") && op.equals("migrate")) {
            sb.append(" round ").append(kv.get("round")).append("1".equals(kv.get("last")) ? " (stop-and-copy)" : "");
        }
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        sb.append(" [").append("#".repeat(filled)).append("-".repeat(WIDTH - filled)).append("] ");
        sb.append(String.format(Locale.ROOT, "%3d%%  %d/%d pages  %.1f MiB", total == 0 ? 100 : 100 * done / total,
                done, total, bytes / 1048576.0));
        if (seconds > 0) {
            sb.append(String.format(Locale.ROOT, "  %.1f MiB/s", bytes / 1048576.0 / seconds));
        }
        if (done > 0 && done < total && roundSeconds > 0) {
            sb.append(String.format(Locale.ROOT, "  ETA %.1fs", roundSeconds * (total - done) / done));
        }
        return sb.toString();
    }
}
