package dev.domus.dom0.console.backend;

import dev.domus.dom0.xenstore.ring.BackendThread;
import dev.domus.dom0.xenstore.ring.Dom0CallException;
import dev.domus.dom0.xenstore.ring.Dom0Calls;
import dev.domus.hv.boot.Dom0;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Dom0's console backend, the Domus xenconsoled: for each attached domain it maps the guest's
 * console page (the {@code console.domU.mfn}/{@code evtchn} of its start_info) into Dom0, binds
 * the event channel, and keeps everything the guest writes in a {@link ConsoleOutput} (and a log
 * file per domain, if a directory is given) for {@code domus console}. Input goes the other way
 * with {@link #write}. All through Dom0's gate.
 *
 * <pre>{@code
 * ConsoleBackend consoles = new ConsoleBackend(host.dom0(), home.resolve("logs"));
 * consoles.attach(built.domid(), built.consolePfn(), built.consolePort());
 * byte[] text = consoles.output(built.domid()).awaitFrom(0, 1000);
 * consoles.detach(built.domid());   // before destroying the domain; the output stays readable
 * }</pre>
 */
public final class ConsoleBackend implements AutoCloseable {

    /** Bytes of each domain's output kept in memory. */
    public static final int DEFAULT_HISTORY = 256 * 1024;

    private final Dom0 dom0;
    private final Path logDir;
    private final Map<Integer, Attached> attached = new HashMap<>();
    private final Map<Integer, ConsoleOutput> outputs = new HashMap<>();

    /** @param logDir where {@code console-<domid>.log} files go, or null for none */
    public ConsoleBackend(Dom0 dom0, Path logDir) {
        this.dom0 = dom0;
        this.logDir = logDir;
    }

    private record Attached(BackendThread thread, ConsoleRing ring) {
    }

    /**
     * Starts serving domain {@code domid}'s console ring at its frame {@code gfn}, channel {@code port}.
     *
     * @throws IllegalStateException if the domain's console is already attached
     * @throws Dom0CallException if mapping the page or binding the port fails (nothing is left attached)
     */
    public synchronized ConsoleOutput attach(int domid, long gfn, int port) {
        if (attached.containsKey(domid)) {
            throw new IllegalStateException("the console of domain " + domid + " is already attached");
        }
        ConsoleOutput out;
        try {
            out = new ConsoleOutput(domid, DEFAULT_HISTORY,
                    logDir == null ? null : logDir.resolve("console-" + domid + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the console log of domain " + domid + " in " + logDir, e);
        }
        Dom0Calls calls = new Dom0Calls(dom0);
        long page;
        int local;
        try {
            page = calls.mapForeign(domid, gfn);
            try {
                local = calls.bindInterdomain(domid, port);
            } catch (Dom0CallException e) {
                calls.unmapForeign(page);
                throw e;
            }
        } catch (Dom0CallException e) {
            calls.close();
            out.close();
            throw e;
        }
        ConsoleRing ring = new ConsoleRing(dom0.memory(), page, calls, local, out);
        BackendThread thread = new BackendThread("console-" + domid, calls, local, ring::onEvent, () -> {
            try {
                calls.closePort(local);
                calls.unmapForeign(page);
            } finally {
                calls.close();
                out.close();
            }
        });
        attached.put(domid, new Attached(thread, ring));
        outputs.put(domid, out);
        thread.start();
        return out;
    }

    /** Stops serving {@code domid}'s console; its output stays readable until {@link #forget}. */
    public void detach(int domid) {
        Attached a;
        synchronized (this) {
            a = attached.remove(domid);
        }
        if (a != null) {
            a.thread().close();
        }
    }

    /** Drops a detached domain's output (after its domid may be reused). */
    public synchronized void forget(int domid) {
        if (!attached.containsKey(domid)) {
            outputs.remove(domid);
        }
    }

    /** The output of {@code domid}, or null if its console was never attached. */
    public synchronized ConsoleOutput output(int domid) {
        return outputs.get(domid);
    }

    public synchronized boolean isAttached(int domid) {
        return attached.containsKey(domid);
    }

    /**
     * Sends input to the guest's console.
     *
     * @return bytes accepted (fewer than asked when the guest's input ring is full)
     * @throws IllegalStateException if the console is not attached
     */
    public int write(int domid, byte[] data) {
        Attached a;
        synchronized (this) {
            a = attached.get(domid);
        }
        if (a == null) {
            throw new IllegalStateException("the console of domain " + domid + " is not attached");
        }
        return a.ring().write(data, 0, data.length);
    }

    /** Detaches every console. */
    @Override
    public void close() {
        Integer[] ids;
        synchronized (this) {
            ids = attached.keySet().toArray(new Integer[0]);
        }
        for (int id : ids) {
            detach(id);
        }
    }
}
