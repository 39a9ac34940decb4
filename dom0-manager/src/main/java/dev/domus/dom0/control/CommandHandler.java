package dev.domus.dom0.control;

/**
 * Runs one journaled command and returns the text to hand back to the client. It is called
 * at most once per request id, after the command is in the journal.
 */
@FunctionalInterface
public interface CommandHandler {

    /**
     * @return the command's output (may be empty)
     * @throws CommandException when the command is refused or fails; its message is the result
     */
    String execute(Command command) throws CommandException;
}
