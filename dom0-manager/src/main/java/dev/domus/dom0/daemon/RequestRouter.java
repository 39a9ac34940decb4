package dev.domus.dom0.daemon;

import java.io.IOException;

import dev.domus.dom0.control.CommandException;
import dev.domus.dom0.control.wire.ControlProtocol.Request;

/** Serves one decoded control-socket request: returns the success text or throws. */
@FunctionalInterface
public interface RequestRouter {

    String serve(Request request, Responder out) throws CommandException, IOException, InterruptedException;
}
