package dev.domus.dom0.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import dev.domus.dom0.control.CommandException;
import dev.domus.dom0.control.ControlEvent;
import dev.domus.dom0.control.ControlJournal;

/**
 * {@code domus events [--follow] [--json]}: streams the event queue (the audit log), one line
 * per event; with {@code --follow} keeps streaming new events until the client goes away or
 * the daemon stops.
 */
final class EventsQuery {

    /** How often a follower proves its client is still there while nothing happens. */
    private static final long HEARTBEAT_MILLIS = 1000;

    private final ControlJournal journal;

    EventsQuery(ControlJournal journal) {
        this.journal = journal;
    }

    String run(List<String> args, Responder out) throws CommandException, IOException, InterruptedException {
        boolean follow = false;
        boolean json = false;
        for (String a : args) {
            switch (a) {
                case "--follow", "-f" -> follow = true;
                case "--json" -> json = true;
                default -> throw new CommandException("events: unknown option '" + a + "' (use --follow, --json)");
            }
        }
        boolean asJson = json;
        long last;
        try {
            last = journal.readEvents(-1, e -> send(out, e, asJson));
            while (follow && !journal.isClosed()) {
                if (journal.awaitEventAfter(last, HEARTBEAT_MILLIS)) {
                    last = journal.readEvents(last, e -> send(out, e, asJson));
                } else {
                    out.heartbeat();
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (IllegalStateException e) {
            // the journal closed under a follower: the daemon is stopping
            return "";
        }
        return "";
    }

    private static boolean send(Responder out, ControlEvent e, boolean json) {
        try {
            out.line(json ? e.toJson() : e.toLine());
            return true;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
