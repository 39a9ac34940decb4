package dev.domus.dom0.control;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.chronicle.wire.ValueIn;
import net.openhft.chronicle.wire.Wire;

/**
 * The host's two Chronicle queues: {@code commands} (the write-ahead journal: each command
 * with its request id, appended before it runs) and {@code events} (each command's result
 * and every domain event; also the host's audit log).
 *
 * <p>Appends are serialised on this object: the control plane is a cold path, and a Chronicle
 * appender belongs to one thread at a time, so each append first hands the appender to the
 * current thread ({@code singleThreadedCheckReset}) while holding the monitor. Readers create their own tailer per thread
 * ({@link #readEvents}); {@link #awaitEventAfter} lets a follower sleep until the next append.
 */
public final class ControlJournal implements AutoCloseable {

    private final ChronicleQueue commands;
    private final ChronicleQueue events;
    private final ExcerptAppender commandAppender;
    private final ExcerptAppender eventAppender;
    private long lastEventIndex = -1;
    private boolean closed;

    /** Opens (creating if needed) {@code dir/commands} and {@code dir/events}. */
    public ControlJournal(Path dir) {
        this.commands = SingleChronicleQueueBuilder.single(dir.resolve("commands").toFile()).build();
        this.events = SingleChronicleQueueBuilder.single(dir.resolve("events").toFile()).build();
        this.commandAppender = commands.createAppender();
        this.eventAppender = events.createAppender();
    }

    /** Appends a command to the write-ahead journal and returns its index. */
    public synchronized long appendCommand(Command c) {
        ensureOpen();
        commandAppender.singleThreadedCheckReset();
        try (DocumentContext dc = commandAppender.writingDocument()) {
            Wire w = dc.wire();
            w.write("time").int64(System.currentTimeMillis());
            w.write("id").text(c.requestId());
            w.write("name").text(c.name());
            w.write("argc").int32(c.args().size());
            for (String a : c.args()) {
                w.write("arg").text(a);
            }
        }
        return commandAppender.lastIndexAppended();
    }

    /** Appends a result or domain event (time stamped now) and returns it with its index. */
    public synchronized ControlEvent appendEvent(ControlEvent e) {
        ensureOpen();
        long now = System.currentTimeMillis();
        eventAppender.singleThreadedCheckReset();
        try (DocumentContext dc = eventAppender.writingDocument()) {
            Wire w = dc.wire();
            w.write("time").int64(now);
            w.write("type").text(e.type());
            w.write("id").text(e.requestId());
            w.write("command").text(e.command());
            w.write("ok").bool(e.ok());
            w.write("domid").int32(e.domid());
            w.write("domain").text(e.domain());
            w.write("message").text(e.message());
        }
        lastEventIndex = eventAppender.lastIndexAppended();
        notifyAll();
        return new ControlEvent(lastEventIndex, now, e.type(), e.requestId(), e.command(), e.ok(), e.domid(),
                e.domain(), e.message());
    }

    /** Every journaled command, oldest first. */
    public List<Command> readCommands() {
        List<Command> out = new ArrayList<>();
        try (ExcerptTailer t = commands.createTailer()) {
            readCommands(t, out);
        }
        return out;
    }

    private static void readCommands(ExcerptTailer t, List<Command> out) {
        while (true) {
            try (DocumentContext dc = t.readingDocument()) {
                if (!dc.isPresent()) {
                    break;
                }
                Wire w = dc.wire();
                w.read("time").int64();
                String id = text(w.read("id"));
                String name = text(w.read("name"));
                int argc = w.read("argc").int32();
                List<String> args = new ArrayList<>(argc);
                for (int i = 0; i < argc; i++) {
                    args.add(text(w.read("arg")));
                }
                out.add(new Command(id, name, args));
            }
        }
    }

    /**
     * Reads events with index greater than {@code afterIndex} (use -1 for all), passing each
     * to {@code sink} until it returns false. Returns the index of the last event read, or
     * {@code afterIndex} when there was none.
     */
    public long readEvents(long afterIndex, Predicate<ControlEvent> sink) {
        try (ExcerptTailer t = events.createTailer()) {
            return readEvents(t, afterIndex, sink);
        }
    }

    private static long readEvents(ExcerptTailer t, long afterIndex, Predicate<ControlEvent> sink) {
        if (afterIndex >= 0) {
            if (t.moveToIndex(afterIndex)) {
                // moveToIndex leaves the tailer AT afterIndex; skip that one.
                try (DocumentContext dc = t.readingDocument()) {
                    if (!dc.isPresent()) {
                        return afterIndex;
                    }
                }
            }
        }
        long last = afterIndex;
        while (true) {
            ControlEvent e;
            try (DocumentContext dc = t.readingDocument()) {
                if (!dc.isPresent()) {
                    return last;
                }
                e = readEvent(dc.index(), dc.wire());
            }
            last = e.index();
            if (!sink.test(e)) {
                return last;
            }
        }
    }

    /**
     * Waits until an event with an index greater than {@code index} has been appended, or the
     * timeout passes, or the journal closes. Returns true when there may be a newer event.
     */
    public synchronized boolean awaitEventAfter(long index, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!closed && lastEventIndex <= index) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return !closed;
    }

    /** Remembers the newest event index (called once after the journal is scanned at start). */
    synchronized void noteLastEventIndex(long index) {
        lastEventIndex = Math.max(lastEventIndex, index);
    }

    private static ControlEvent readEvent(long index, Wire w) {
        long time = w.read("time").int64();
        String type = text(w.read("type"));
        String id = text(w.read("id"));
        String command = text(w.read("command"));
        boolean ok = w.read("ok").bool();
        int domid = w.read("domid").int32();
        String domain = text(w.read("domain"));
        String message = text(w.read("message"));
        return new ControlEvent(index, time, type, id, command, ok, domid, domain, message);
    }

    private static String text(ValueIn in) {
        String s = in.text();
        return s == null ? "" : s;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the control journal is closed");
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        notifyAll();
        commandAppender.singleThreadedCheckReset();
        eventAppender.singleThreadedCheckReset();
        commandAppender.close();
        eventAppender.close();
        commands.close();
        events.close();
    }
}
