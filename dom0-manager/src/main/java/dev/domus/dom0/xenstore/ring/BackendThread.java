package dev.domus.dom0.xenstore.ring;

/**
 * The thread that serves one guest ring in Dom0, the way a backend's interrupt handler does:
 * it waits in {@code SCHEDOP_poll} on the ring's event channel, clears the port's pending bit,
 * and runs the handler; then waits again. A loopback channel (an unbound port of Dom0's bound
 * by Dom0 itself) lets {@link #close} wake it without a timeout.
 *
 * <p>The handler runs once straight away, so work posted before the thread started is seen.
 */
public final class BackendThread implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BackendThread.class);

    private final Dom0Calls calls;
    private final int port;
    private final Runnable handler;
    private final Runnable onExit;
    private final int wakePort;
    private final int wakeSender;
    private final Thread thread;
    private volatile boolean stopping;

    /**
     * @param calls   the backend's hypercall helper (this thread polls through it)
     * @param port    Dom0's local port bound to the guest's ring channel
     * @param handler what to do on each event (drain the ring); exceptions end the thread
     * @param onExit  cleanup run on this thread after the last event (unmap, unbind)
     */
    public BackendThread(String name, Dom0Calls calls, int port, Runnable handler, Runnable onExit) {
        this.calls = calls;
        this.port = port;
        this.handler = handler;
        this.onExit = onExit;
        this.wakePort = calls.allocUnbound(0);
        this.wakeSender = calls.bindInterdomain(0, wakePort);
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    public BackendThread start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            while (!stopping) {
                calls.testAndClearPending(port);
                handler.run();
                if (stopping) {
                    break;
                }
                long rc = calls.poll(port, wakePort);
                calls.testAndClearPending(wakePort);
                if (rc < 0) {
                    break; // the host is going away
                }
            }
        } catch (dev.domus.abi.GuestMemoryFault e) {
            // The guest's page or Dom0 itself went away (destroyed domain, host shutdown).
            LOG.debug("{} stopped: {}", thread.getName(), e.toString());
        } catch (RuntimeException e) {
            // Anything else ends only this ring, and is worth a line in the log.
            LOG.warn("{} stopped: {}", thread.getName(), e.toString());
        } finally {
            try {
                calls.closePort(wakeSender);
                calls.closePort(wakePort);
            } finally {
                cleanUp();
            }
        }
    }

    private void cleanUp() {
        try {
            onExit.run();
        } catch (RuntimeException e) {
            // The host may already be going down (Dom0's gate refuses); nothing is left to free then.
            LOG.debug("{} cleanup: {}", thread.getName(), e.toString());
        }
    }

    /** Asks the thread to stop, without waiting (safe from any thread, any lock held). */
    public void stop() {
        if (!stopping) {
            stopping = true;
            calls.send(wakeSender);
        }
    }

    /** Asks the thread to stop and waits for it to finish its cleanup. */
    @Override
    public void close() {
        stop();
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public boolean isAlive() {
        return thread.isAlive();
    }
}
