package dev.domus.dom0.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;

import dev.domus.dom0.control.Command;
import dev.domus.dom0.control.CommandException;

/**
 * A host for control-plane tests whose one command has a durable, countable effect: {@code touch
 * WORD} appends {@code WORD} to {@code HOME/effects.txt} (a real file, so a second run is visible
 * across daemon restarts). {@code fail WHY} is refused; {@code effects} reads the file back.
 * This tests the journal, not a hypervisor: it replaces only the toolstack behind the journal.
 */
public final class CountingHost implements HostControl {

    private final Path effects;

    public CountingHost(Path home) {
        this.effects = home.resolve("effects.txt");
    }

    public static DomusDaemon.HostFactory factory() {
        return (settings, events) -> new CountingHost(settings.home());
    }

    @Override
    public Set<String> journaledCommands() {
        return Set.of("touch", "fail");
    }

    @Override
    public Set<String> queries() {
        return Set.of("effects");
    }

    @Override
    public String execute(Command c) throws CommandException {
        if (c.name().equals("fail")) {
            throw new CommandException("refused: " + c.arg(0, "a reason"));
        }
        String word = c.arg(0, "a word");
        try {
            Files.writeString(effects, word + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "touched " + word;
    }

    @Override
    public String query(String command, List<String> args, Responder out) throws IOException {
        return Files.exists(effects) ? Files.readString(effects) : "";
    }

    /** The effects so far, one per line. */
    public static List<String> effects(Path home) throws IOException {
        Path f = home.resolve("effects.txt");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    @Override
    public void close() {
    }
}
