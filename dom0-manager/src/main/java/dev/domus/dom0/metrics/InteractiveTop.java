package dev.domus.dom0.metrics;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;

import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp.Capability;
import org.jline.utils.NonBlockingReader;

/**
 * {@code domus top} on a terminal, through JLine: the frame is redrawn in place on the
 * terminal's alternate screen every delay, and single keys act at once, as in xentop:
 * {@code d}/{@code n}/{@code c}/{@code m}/{@code h} sort by domid, name, CPU%, memory or
 * hypercalls (redrawing what is on screen), {@code r} samples now, {@code q} quits. The
 * terminal is restored on the way out, whatever happens.
 */
public final class InteractiveTop {

    /** Takes a sample; throws when the host has gone. */
    @FunctionalInterface
    public interface Source {
        HostSample sample() throws Exception;
    }

    /** The keyboard: the next key, or {@link #EXPIRED} after the timeout, or {@link #EOF}. */
    @FunctionalInterface
    public interface Keys {
        int EXPIRED = NonBlockingReader.READ_EXPIRED;
        int EOF = NonBlockingReader.EOF;

        int read(long timeoutMillis) throws IOException;
    }

    /** Where a frame goes (cleared and drawn whole). */
    @FunctionalInterface
    public interface Screen {
        void draw(String frame) throws IOException;
    }

    private static final Map<Integer, TopView.Sort> KEYS = Map.of((int) 'd', TopView.Sort.DOMID, (int) 'n',
            TopView.Sort.NAME, (int) 'c', TopView.Sort.CPU, (int) 'm', TopView.Sort.MEM, (int) 'h',
            TopView.Sort.HCALLS);

    private InteractiveTop() {
    }

    /** Runs on terminal {@code t} (see {@link #loop}) and restores it afterwards. */
    public static int run(Terminal t, Source source, TopView.Sort sort, double delaySeconds, Integer iterations)
            throws Exception {
        Attributes saved = t.enterRawMode();
        t.puts(Capability.enter_ca_mode);
        t.puts(Capability.cursor_invisible);
        t.flush();
        try {
            NonBlockingReader in = t.reader();
            PrintWriter w = t.writer();
            return loop(in::read, frame -> {
                t.puts(Capability.clear_screen);
                w.print(frame);
                w.flush();
            }, source, sort, delaySeconds, iterations);
        } finally {
            t.puts(Capability.cursor_visible);
            t.puts(Capability.exit_ca_mode);
            t.setAttributes(saved);
            t.flush();
        }
    }

    /**
     * Draws a first screen at once, then a new sample every delay (or on {@code r}) until
     * {@code q}, the end of input, or {@code iterations} sampled frames when not null.
     *
     * @return frames drawn from a new sample (the first screen and re-sorts not counted)
     */
    public static int loop(Keys keys, Screen screen, Source source, TopView.Sort sort, double delaySeconds,
                           Integer iterations) throws Exception {
        HostSample before = source.sample();
        HostSample now = before;
        long delayNanos = (long) (delaySeconds * 1e9);
        long next = System.nanoTime() + delayNanos;
        screen.draw(frame(before, now, sort)); // CPU% shows from the next frame on
        int frames = 0;
        while (iterations == null || frames < iterations) {
            long left = next - System.nanoTime();
            int key = left > 0 ? keys.read(Math.max(1, left / 1_000_000)) : Keys.EXPIRED;
            if (key == 'q' || key == 'Q' || key == Keys.EOF) {
                break;
            }
            TopView.Sort chosen = key >= 0 ? KEYS.get((int) Character.toLowerCase((char) key)) : null;
            if (chosen != null) {
                sort = chosen;
                screen.draw(frame(before, now, sort)); // re-sort what is on screen, no new sample
            } else if (key == Keys.EXPIRED || key == 'r' || key == 'R') {
                before = now;
                now = source.sample();
                next = System.nanoTime() + delayNanos;
                screen.draw(frame(before, now, sort));
                frames++;
            }
        }
        return frames;
    }

    private static String frame(HostSample before, HostSample now, TopView.Sort sort) {
        return TopView.frame(before, now, sort) + "\nsorted by " + sort.name().toLowerCase()
                + "  -  keys: d domid, n name, c CPU, m memory, h hypercalls, r refresh, q quit\n";
    }
}
