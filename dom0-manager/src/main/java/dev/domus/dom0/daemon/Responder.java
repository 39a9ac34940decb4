package dev.domus.dom0.daemon;

import java.io.IOException;

/** Where a long-running query streams its output (one {@code 'L'} frame per line). */
public interface Responder {

    void line(String text) throws IOException;

    /** Proves the client is still there during a wait; fails when it has gone. */
    void heartbeat() throws IOException;

    /** A progress report of a long command (see {@code dev.domus.dom0.control.Progress}). */
    default void progress(String report) throws IOException {
    }
}
