package dev.domus.dom0.control;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Dom0's command service: a write-ahead journal in front of a {@link CommandHandler}.
 *
 * <p>For each command: if its request id already has a result in the event queue, that
 * result is returned and nothing runs; otherwise the command is appended to the command
 * queue, then run, then its result appended to the event queue. Commands run one at a time
 * (the toolstack is not re-entrant, and it keeps the journal's order the execution order).
 *
 * <p>{@link #recover} runs once at start: it indexes every result in the event queue and
 * reports each journaled command that has none as failed. Domus hosts live in domusd's
 * process, so a command cut short by a crash died with the host that ran it: reporting it
 * (rather than re-running it against a new, empty host) is the honest completion, and
 * it is never run twice.
 *
 * <p>A test-only crash point: with the system property {@value #CRASH_POINT_PROPERTY} set to
 * a command name, the service prints {@value #CRASH_POINT_BANNER} on stdout after journaling
 * that command and then blocks forever instead of running it, so a test can {@code kill -9}
 * the daemon exactly between "command appended" and "result appended".
 */
public final class CommandService {

    public static final String CRASH_POINT_PROPERTY = "domus.test.crashAfterAppend";
    public static final String CRASH_POINT_BANNER = "domusd: crash point reached";

    /** What a command cut short by a domusd crash is reported as. */
    public static final String INTERRUPTED_MESSAGE =
            "not completed: domusd stopped after journaling this command and before its result; "
                    + "the host it ran on is gone, so check 'domus list' and run it again if still wanted";

    private final ControlJournal journal;
    private final CommandHandler handler;
    private final Map<String, ControlEvent> results = new HashMap<>();
    private final String crashPoint = System.getProperty(CRASH_POINT_PROPERTY, "");
    /** Unanswered commands by arrival (a unique key each, as a request id may repeat): when they came. */
    private final Map<Object, Long> pending = new ConcurrentHashMap<>();
    /** Long commands running now: their latest progress. */
    private final Map<Object, ControlStats.Operation> operations = new ConcurrentHashMap<>();
    private final AtomicLong answered = new AtomicLong();

    public CommandService(ControlJournal journal, CommandHandler handler) {
        this.journal = journal;
        this.handler = handler;
    }

    /**
     * Indexes past results and reports unfinished commands as failed.
     *
     * @return the commands found unfinished (now reported)
     */
    public synchronized List<Command> recover() {
        long last = journal.readEvents(-1, e -> {
            if (e.isResult()) {
                results.put(e.requestId(), e);
            }
            return true;
        });
        journal.noteLastEventIndex(last);
        List<Command> unfinished = journal.readCommands().stream()
                .filter(c -> !results.containsKey(c.requestId()))
                .distinct()
                .toList();
        for (Command c : unfinished) {
            results.put(c.requestId(), journal.appendEvent(
                    ControlEvent.result(c.requestId(), c.name(), false, INTERRUPTED_MESSAGE)));
        }
        return unfinished;
    }

    /**
     * Runs a command once per request id and returns its journaled result. A request id seen
     * before gets the earlier result (even if that command was different: the id is the key).
     */
    public ControlEvent submit(Command command) {
        Object key = new Object();
        pending.put(key, System.nanoTime());
        try {
            return Progress.tee(report -> operations.put(key, operation(command.requestId(), report)),
                    () -> submitInTurn(command));
        } finally {
            operations.remove(key);
            pending.remove(key);
            answered.incrementAndGet();
        }
    }

    /** The control plane now, for the metrics. */
    public ControlStats stats() {
        long now = System.nanoTime();
        long oldest = 0;
        int n = 0;
        for (long t : pending.values()) {
            oldest = Math.max(oldest, now - t);
            n++;
        }
        return new ControlStats(answered.get(), n, oldest, new ArrayList<>(operations.values()));
    }

    /** A {@link Progress} report ({@code op=save round=1 last=1 done=5 total=10 bytes=20480}) parsed. */
    static ControlStats.Operation operation(String requestId, String report) {
        Map<String, String> kv = new HashMap<>();
        for (String pair : report.split(" ")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                kv.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return new ControlStats.Operation(requestId, kv.getOrDefault("op", "unknown"),
                Integer.parseInt(kv.getOrDefault("round", "0")), Long.parseLong(kv.getOrDefault("done", "0")),
                Long.parseLong(kv.getOrDefault("total", "0")), Long.parseLong(kv.getOrDefault("bytes", "0")));
    }

    private synchronized ControlEvent submitInTurn(Command command) {
        ControlEvent earlier = results.get(command.requestId());
        if (earlier != null) {
            return earlier;
        }
        journal.appendCommand(command);
        if (crashPoint.equals(command.name())) {
            hangForCrashTest();
        }
        ControlEvent result;
        try {
            String out = handler.execute(command);
            result = ControlEvent.result(command.requestId(), command.name(), true, out == null ? "" : out);
        } catch (CommandException e) {
            result = ControlEvent.result(command.requestId(), command.name(), false, e.getMessage());
        } catch (RuntimeException e) {
            // A bug in a handler must not take the daemon down or go unreported.
            result = ControlEvent.result(command.requestId(), command.name(), false,
                    "internal error in domusd: " + e);
        }
        ControlEvent appended = journal.appendEvent(result);
        results.put(command.requestId(), appended);
        return appended;
    }

    /** Appends a domain event (created, paused, crashed, ...) to the event queue. */
    public ControlEvent domainEvent(String type, int domid, String name, String message) {
        return journal.appendEvent(ControlEvent.domain(type, domid, name, message));
    }

    /** True when this request id already has a journaled result. */
    public synchronized boolean hasResult(String requestId) {
        return results.containsKey(requestId);
    }

    public ControlJournal journal() {
        return journal;
    }

    private static void hangForCrashTest() {
        System.out.println(CRASH_POINT_BANNER);
        System.out.flush();
        Object never = new Object();
        synchronized (never) {
            while (true) {
                try {
                    never.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
