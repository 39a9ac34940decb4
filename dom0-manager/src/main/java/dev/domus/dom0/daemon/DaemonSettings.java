package dev.domus.dom0.daemon;

import java.nio.file.Path;

/**
 * How a host is started ({@code bin/domusd}'s options).
 *
 * @param home      the host's directory (queues, sockets, logs, images)
 * @param memoryMib machine memory given to the host
 * @param pcpus     physical CPUs (run tokens)
 * @param sched     scheduler name (credit2, credit, rtds, null)
 * @param listen    HOST:PORT for incoming migrations, or null
 */
public record DaemonSettings(Path home, long memoryMib, int pcpus, String sched, String listen) {
}
