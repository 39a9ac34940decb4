package dev.domus.dom0.control;

import java.util.List;

/**
 * The control plane at one instant, for the metrics: commands received and not yet answered
 * (waiting for their turn or running), how long the oldest of them has waited, and the long
 * commands in progress with their latest {@link Progress} report.
 *
 * @param commands        commands answered since domusd started (replayed results included)
 * @param pending         commands received and not yet answered
 * @param oldestPendingNanos age of the oldest unanswered command, 0 when none
 * @param operations      long commands running now that have reported progress
 */
public record ControlStats(long commands, int pending, long oldestPendingNanos, List<Operation> operations) {

    public ControlStats {
        operations = List.copyOf(operations);
    }

    /**
     * A long command's latest progress.
     *
     * @param requestId the command's request id
     * @param op        {@code save}, {@code restore} or {@code migrate}
     * @param round     the migration round (1 for save and restore)
     * @param done      pages done
     * @param total     pages to do
     * @param bytes     bytes written or sent so far
     */
    public record Operation(String requestId, String op, int round, long done, long total, long bytes) {
    }
}
