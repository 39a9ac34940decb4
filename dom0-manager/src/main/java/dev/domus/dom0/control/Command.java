package dev.domus.dom0.control;

import java.util.List;

/**
 * One control-plane command as it is journaled: the client's unique request id, the
 * command's name (the console subcommand, e.g. {@code create}, {@code pause}) and its
 * arguments as text.
 */
public record Command(String requestId, String name, List<String> args) {

    public Command {
        if (requestId == null || requestId.isBlank()) {
            throw new IllegalArgumentException("a command needs a request id");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a command needs a name");
        }
        args = List.copyOf(args);
    }

    /** The argument at {@code i}, or a {@link CommandException} naming what is missing. */
    public String arg(int i, String what) throws CommandException {
        if (i >= args.size()) {
            throw new CommandException(name + ": missing " + what);
        }
        return args.get(i);
    }
}
