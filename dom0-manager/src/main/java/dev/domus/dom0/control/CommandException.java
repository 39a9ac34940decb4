package dev.domus.dom0.control;

/**
 * A command refused or failed; the message is one line that says what to fix. It is what
 * the operator sees after {@code domus: }.
 */
public class CommandException extends Exception {

    public CommandException(String message) {
        super(message);
    }

    public CommandException(String message, Throwable cause) {
        super(message, cause);
    }
}
