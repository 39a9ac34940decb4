package dev.domus.dom0.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import dev.domus.dom0.control.Command;
import dev.domus.dom0.control.CommandException;
import dev.domus.dom0.control.CommandService;
import dev.domus.dom0.control.ControlEvent;
import dev.domus.dom0.control.ControlJournal;
import dev.domus.dom0.control.Progress;
import dev.domus.dom0.control.wire.ControlProtocol.Request;

/**
 * One running host daemon, assembled top to bottom: the home directory and its lock, the
 * Chronicle control journal (recovered before anything runs), the host and its toolstack,
 * and the control socket. {@code bin/domusd} ({@link Domusd}) and in-process tests start a
 * host through {@link #start}; {@link #close} stops it cleanly.
 */
public final class DomusDaemon implements AutoCloseable {

    /** Starts the host behind the control plane (the real one is {@code Toolstack.factory()}). */
    @FunctionalInterface
    public interface HostFactory {
        HostControl start(DaemonSettings settings, EventSink events) throws DaemonException;
    }

    private final DaemonSettings settings;
    private final HomeLock lock;
    private final ControlJournal journal;
    private final CommandService service;
    private final HostControl host;
    private final ControlServer server;
    private final List<Command> recovered;
    private boolean closed;

    private DomusDaemon(DaemonSettings settings, HomeLock lock, ControlJournal journal, CommandService service,
                        HostControl host, ControlServer server, List<Command> recovered) {
        this.settings = settings;
        this.lock = lock;
        this.journal = journal;
        this.service = service;
        this.host = host;
        this.server = server;
        this.recovered = recovered;
    }

    public static DomusDaemon start(DaemonSettings settings, HostFactory factory) throws DaemonException {
        Path home = settings.home();
        HomeLock lock = null;
        ControlJournal journal = null;
        HostControl host = null;
        try {
            createPrivateDir(home);
            lock = HomeLock.acquire(home);
            journal = new ControlJournal(home.resolve("queues"));
            HostControl[] slot = new HostControl[1];
            CommandService service = new CommandService(journal, c -> slot[0].execute(c));
            List<Command> recovered = service.recover();
            host = factory.start(settings, service::domainEvent);
            slot[0] = host;
            service.domainEvent(ControlEvent.HOST_STARTED, -1, "", "pid " + ProcessHandle.current().pid()
                    + ", " + settings.memoryMib() + " MiB, " + settings.pcpus() + " pCPUs, " + settings.sched()
                    + (recovered.isEmpty() ? "" : ", " + recovered.size() + " unfinished command(s) reported failed"));
            ControlRouter router = new ControlRouter(service, host);
            ControlServer server = new ControlServer(home.resolve("control.sock"), router);
            return new DomusDaemon(settings, lock, journal, service, host, server, recovered);
        } catch (IOException | RuntimeException e) {
            cleanup(host, journal, lock);
            throw new DaemonException("cannot start domusd on home " + home + ": " + e.getMessage(), e);
        } catch (DaemonException e) {
            cleanup(host, journal, lock);
            throw e;
        }
    }

    private static void cleanup(HostControl host, ControlJournal journal, HomeLock lock) {
        if (host != null) {
            host.close();
        }
        if (journal != null) {
            journal.close();
        }
        if (lock != null) {
            try {
                lock.close();
            } catch (IOException ignored) {
                // the kernel drops it with the process anyway
            }
        }
    }

    private static void createPrivateDir(Path home) throws IOException {
        if (!Files.isDirectory(home)) {
            Files.createDirectories(home);
        }
        // owner-only: the control socket and xenstored socket inside are Dom0's.
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    }

    public DaemonSettings settings() {
        return settings;
    }

    public Path controlSocket() {
        return server.path();
    }

    /** Commands found journaled without a result at start (each now reported failed). */
    public List<Command> recoveredCommands() {
        return recovered;
    }

    public CommandService commandService() {
        return service;
    }

    public HostControl host() {
        return host;
    }

    /** Stops accepting requests, stops the host, closes the queues, releases the home. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // the socket file goes with the home's next start anyway
        }
        host.close();
        service.domainEvent(ControlEvent.HOST_STOPPED, -1, "", "clean stop");
        cleanup(null, journal, lock);
    }

    /** Routes a request: journaled commands through the command service, queries directly. */
    static final class ControlRouter implements RequestRouter {
        private final CommandService service;
        private final HostControl host;
        private final EventsQuery events;

        ControlRouter(CommandService service, HostControl host) {
            this.service = service;
            this.host = host;
            this.events = new EventsQuery(service.journal());
        }

        @Override
        public String serve(Request r, Responder out) throws CommandException, IOException, InterruptedException {
            String cmd = r.command();
            if (cmd.equals("ping")) {
                return "domusd pid " + ProcessHandle.current().pid();
            }
            if (cmd.equals("events")) {
                return events.run(r.args(), out);
            }
            if (host.queries().contains(cmd)) {
                return host.query(cmd, r.args(), out);
            }
            if (host.journaledCommands().contains(cmd)) {
                // Long commands (save, restore, migrate) stream progress to this client.
                ControlEvent result = Progress.with(report -> {
                    try {
                        out.progress(report);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, () -> service.submit(new Command(r.requestId(), cmd, r.args())));
                if (!result.ok()) {
                    throw new CommandException(result.message());
                }
                return result.message();
            }
            throw new CommandException("unknown command '" + cmd + "' (see 'domus --help')");
        }
    }
}
