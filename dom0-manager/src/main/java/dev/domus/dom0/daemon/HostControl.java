package dev.domus.dom0.daemon;

import java.io.IOException;
import java.util.List;
import java.util.Set;

import dev.domus.dom0.control.CommandException;
import dev.domus.dom0.control.CommandHandler;

/**
 * What domusd puts behind its control socket: the toolstack of a running host. Commands
 * that change state ({@link #journaledCommands}) go through the write-ahead journal and
 * {@link #execute}; read-only queries ({@code list}, {@code info}, {@code console}, ...) are
 * answered directly by {@link #query}.
 */
public interface HostControl extends CommandHandler, AutoCloseable {

    /** Names of the commands that change state and so are journaled. */
    Set<String> journaledCommands();

    /** Names of the read-only queries {@link #query} answers. */
    Set<String> queries();

    /** Answers a read-only query; long ones stream lines to {@code out}. */
    String query(String command, List<String> args, Responder out)
            throws CommandException, IOException, InterruptedException;

    /** Stops the host: every domain shut down or destroyed, resources released. */
    @Override
    void close();
}
