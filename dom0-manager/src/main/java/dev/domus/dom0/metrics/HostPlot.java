package dev.domus.dom0.metrics;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code domus plot}'s picture of a host run, drawn with XChart: on top each domain's CPU share
 * over time (100% = one pCPU, from the CPU-time counter between consecutive samples), below its
 * memory (current, and shared and paged out where it has any), with the run's domain events
 * (created, saved, migrated, mem-set, ...) as vertical lines on both. Time is seconds since the
 * first sample shown.
 */
public final class HostPlot {

    /** A moment to mark: wall-clock time and a short label. */
    public record Mark(long timeMs, String label) {
    }

    /** The colour of the i-th domain, the same on both charts. */
    public static final List<Color> PALETTE = List.of(new Color(0x1f, 0x77, 0xb4), new Color(0xd6, 0x27, 0x28),
            new Color(0x2c, 0xa0, 0x2c), new Color(0xff, 0x7f, 0x0e), new Color(0x94, 0x67, 0xbd),
            new Color(0x8c, 0x56, 0x4b), new Color(0xe3, 0x77, 0xc2), new Color(0x17, 0xbe, 0xcf));
    private static final Color MARK = new Color(0x55, 0x55, 0x55);

    private HostPlot() {
    }

    /** One domain's samples in time order (a domid reused by another name is another domain). */
    private record Series(String label, List<SampleLog.Row> rows) {
    }

    /**
     * Renders {@code rows} (as {@link SampleLog#read} gives them) from {@code sinceMs} on, with
     * {@code marks}, into a {@code width} x {@code height} image.
     *
     * @throws IllegalArgumentException if there is nothing to draw (fewer than two samples)
     */
    public static BufferedImage render(List<SampleLog.Row> rows, List<Mark> marks, long sinceMs, int width,
                                       int height) {
        Map<String, Series> domains = new LinkedHashMap<>();
        long t0 = Long.MAX_VALUE;
        for (SampleLog.Row r : rows) {
            if (r.timeMs() < sinceMs || r.isHost()) {
                continue;
            }
            t0 = Math.min(t0, r.timeMs());
            String key = r.domid() + "/" + r.name();
            domains.computeIfAbsent(key, k -> new Series(r.name() + " (" + r.domid() + ")", new ArrayList<>()))
                    .rows().add(r);
        }
        long samples = domains.values().stream().mapToLong(s -> s.rows().size()).max().orElse(0);
        if (samples < 2) {
            throw new IllegalArgumentException("fewer than two samples to plot" + (sinceMs > 0 ? " since then" : "")
                    + ": let domusd record for a while (it samples every second)");
        }
        int top = height / 2;
        XYChart cpu = chart(width, top, "CPU share per domain", "CPU (%, 100 = one pCPU)");
        XYChart mem = chart(width, height - top, "Memory per domain", "MiB");
        int colour = 0;
        for (Series s : domains.values()) {
            Color c = PALETTE.get(colour++ % PALETTE.size());
            List<SampleLog.Row> rs = s.rows();
            if (rs.size() >= 2) {
                double[] x = new double[rs.size() - 1];
                double[] y = new double[rs.size() - 1];
                for (int i = 1; i < rs.size(); i++) {
                    SampleLog.Row a = rs.get(i - 1);
                    SampleLog.Row b = rs.get(i);
                    long wall = a.clockNs() > 0 && b.clockNs() > a.clockNs() ? b.clockNs() - a.clockNs()
                            : Math.max(1, b.timeMs() - a.timeMs()) * 1_000_000L;
                    x[i - 1] = (b.timeMs() - t0) / 1000.0;
                    y[i - 1] = Math.max(0, b.cpuNs() - a.cpuNs()) * 100.0 / wall;
                }
                style(cpu.addSeries(s.label(), x, y), c, SeriesLines.SOLID);
            }
            double[] x = new double[rs.size()];
            double[] current = new double[rs.size()];
            double[] shared = new double[rs.size()];
            double[] paged = new double[rs.size()];
            boolean anyShared = false;
            boolean anyPaged = false;
            for (int i = 0; i < rs.size(); i++) {
                SampleLog.Row r = rs.get(i);
                x[i] = (r.timeMs() - t0) / 1000.0;
                current[i] = r.memoryMib();
                shared[i] = r.sharedPages() * 4096.0 / (1 << 20);
                paged[i] = r.pagedPages() * 4096.0 / (1 << 20);
                anyShared |= r.sharedPages() > 0;
                anyPaged |= r.pagedPages() > 0;
            }
            style(mem.addSeries(s.label() + " current", x, current), c, SeriesLines.SOLID);
            if (anyShared) {
                style(mem.addSeries(s.label() + " shared", x, shared), c, SeriesLines.DASH_DASH);
            }
            if (anyPaged) {
                style(mem.addSeries(s.label() + " paged out", x, paged), c, SeriesLines.DOT_DOT);
            }
        }
        double yTop = 0;
        for (XYSeries s : cpu.getSeriesMap().values()) {
            yTop = Math.max(yTop, s.getYMax());
        }
        int labels = 0;
        for (Mark m : marks) {
            if (m.timeMs() < t0) {
                continue;
            }
            double x = (m.timeMs() - t0) / 1000.0;
            for (XYChart ch : List.of(cpu, mem)) {
                AnnotationLine line = new AnnotationLine(x, true, false);
                ch.addAnnotation(line);
            }
            // Labels at three heights in turn, so close events do not print over each other.
            double y = Math.max(yTop, 1) * (1.02 - 0.06 * (labels++ % 3));
            cpu.addAnnotation(new AnnotationText(m.label(), x, y, false));
        }
        cpu.getStyler().setAnnotationLineColor(MARK);
        mem.getStyler().setAnnotationLineColor(MARK);
        cpu.getStyler().setAnnotationLineStroke(new BasicStroke(1f));
        mem.getStyler().setAnnotationLineStroke(new BasicStroke(1f));

        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(BitmapEncoder.getBufferedImage(cpu), 0, 0, null);
            g.drawImage(BitmapEncoder.getBufferedImage(mem), 0, top, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static XYChart chart(int width, int height, String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(width).height(height).title(title)
                .xAxisTitle("seconds since the first sample").yAxisTitle(yTitle).build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotBackgroundColor(Color.WHITE);
        c.getStyler().setAntiAlias(true);
        return c;
    }

    private static void style(XYSeries s, Color c, BasicStroke line) {
        s.setLineColor(c);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(new BasicStroke(2.5f, line.getEndCap(), line.getLineJoin(), line.getMiterLimit(),
                line.getDashArray(), line.getDashPhase()));
    }
}
