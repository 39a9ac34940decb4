package dev.domus.dom0.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandServiceTest {

    @TempDir
    Path dir;

    private final AtomicInteger runs = new AtomicInteger();

    private final CommandHandler counting = c -> {
        if (c.name().equals("fail")) {
            throw new CommandException("no such domain: " + c.args().get(0));
        }
        return "run " + runs.incrementAndGet();
    };

    @Test
    void duplicateRequestIdRunsOnceAndGetsTheFirstResult() {
        try (ControlJournal j = new ControlJournal(dir)) {
            CommandService s = new CommandService(j, counting);
            s.recover();
            ControlEvent first = s.submit(new Command("req-1", "pause", List.of("guest")));
            ControlEvent again = s.submit(new Command("req-1", "pause", List.of("guest")));
            assertEquals(1, runs.get());
            assertTrue(first.ok());
            assertEquals("run 1", first.message());
            assertEquals(first, again);
            assertEquals(1, j.readCommands().size(), "the duplicate is not journaled again");
        }
    }

    @Test
    void resultsSurviveARestartSoAnOldRequestIdStillDoesNotRunAgain() {
        try (ControlJournal j = new ControlJournal(dir)) {
            CommandService s = new CommandService(j, counting);
            s.recover();
            s.submit(new Command("req-a", "pause", List.of("g")));
            s.submit(new Command("req-b", "fail", List.of("ghost")));
        }
        try (ControlJournal j = new ControlJournal(dir)) {
            CommandService s = new CommandService(j, counting);
            assertEquals(List.of(), s.recover(), "nothing was unfinished");
            ControlEvent a = s.submit(new Command("req-a", "pause", List.of("g")));
            ControlEvent b = s.submit(new Command("req-b", "fail", List.of("ghost")));
            assertEquals(1, runs.get());
            assertEquals("run 1", a.message());
            assertFalse(b.ok());
            assertEquals("no such domain: ghost", b.message());
        }
    }

    @Test
    void aCommandJournaledWithoutResultIsReportedFailedOnceOnRecovery() {
        try (ControlJournal j = new ControlJournal(dir)) {
            // What a crash between "command appended" and "result appended" leaves behind.
            j.appendCommand(new Command("req-lost", "create", List.of("/tmp/x.cfg")));
        }
        try (ControlJournal j = new ControlJournal(dir)) {
            CommandService s = new CommandService(j, counting);
            List<Command> unfinished = s.recover();
            assertEquals(List.of("req-lost"), unfinished.stream().map(Command::requestId).toList());
            ControlEvent retry = s.submit(new Command("req-lost", "create", List.of("/tmp/x.cfg")));
            assertFalse(retry.ok());
            assertEquals(CommandService.INTERRUPTED_MESSAGE, retry.message());
            assertEquals(0, runs.get(), "never run, neither at recovery nor on retry");
        }
        try (ControlJournal j = new ControlJournal(dir)) {
            CommandService s = new CommandService(j, counting);
            assertEquals(List.of(), s.recover(), "reported once, not again at the next start");
            List<ControlEvent> results = new ArrayList<>();
            j.readEvents(-1, e -> results.add(e));
            assertEquals(1, results.stream().filter(e -> e.requestId().equals("req-lost")).count());
        }
    }

    @Test
    void aBuggyHandlerIsReportedAsAFailedResultNotACrash() {
        try (ControlJournal j = new ControlJournal(dir)) {
            CommandService s = new CommandService(j, c -> {
                throw new IllegalStateException("boom");
            });
            s.recover();
            ControlEvent r = s.submit(new Command("req-x", "pause", List.of()));
            assertFalse(r.ok());
            assertTrue(r.message().contains("boom"), r.message());
        }
    }

    @Test
    void eventsAreReadInOrderFromAnIndexAndAFollowerIsWokenByAnAppend() throws Exception {
        try (ControlJournal j = new ControlJournal(dir)) {
            ControlEvent e1 = j.appendEvent(ControlEvent.domain(ControlEvent.CREATED, 1, "web", ""));
            ControlEvent e2 = j.appendEvent(ControlEvent.domain(ControlEvent.PAUSED, 1, "web", ""));
            List<String> after1 = new ArrayList<>();
            long last = j.readEvents(e1.index(), e -> after1.add(e.type()));
            assertEquals(List.of("paused"), after1);
            assertEquals(e2.index(), last);
            assertFalse(j.awaitEventAfter(last, 1), "nothing new yet");
            Thread writer = new Thread(() -> j.appendEvent(ControlEvent.domain(ControlEvent.CRASHED, 1, "web", "")));
            writer.start();
            assertTrue(j.awaitEventAfter(last, 60_000));
            writer.join();
            List<ControlEvent> tail = new ArrayList<>();
            j.readEvents(last, tail::add);
            assertEquals("crashed", tail.get(0).type());
            assertTrue(tail.get(0).toJson().contains("\"type\":\"crashed\""));
        }
    }
}
