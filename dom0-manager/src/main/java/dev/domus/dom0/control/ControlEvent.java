package dev.domus.dom0.control;

/**
 * One record of the event queue: a command's result, or a domain event.
 *
 * @param index     the record's Chronicle index (0 before it is appended)
 * @param timeMillis wall-clock time of the append, milliseconds since the epoch
 * @param type      {@link #RESULT} or a domain event ({@code created}, {@code paused}, ...)
 * @param requestId for a result, the command's request id; otherwise empty
 * @param command   for a result, the command's name; otherwise empty
 * @param ok        for a result, whether the command succeeded; true for domain events
 * @param domid     the domain concerned, or -1
 * @param domain    the domain's name, or empty
 * @param message   a result's output or error message, or a domain event's detail
 */
public record ControlEvent(long index, long timeMillis, String type, String requestId, String command,
                           boolean ok, int domid, String domain, String message) {

    public static final String RESULT = "result";

    /** Domain event types, as issue 8 names them. */
    public static final String CREATED = "created";
    public static final String PAUSED = "paused";
    public static final String UNPAUSED = "unpaused";
    public static final String SHUTDOWN = "shutdown";
    public static final String CRASHED = "crashed";
    public static final String SAVED = "saved";
    public static final String RESTORED = "restored";
    public static final String MIGRATED = "migrated";
    public static final String DESTROYED = "destroyed";
    /** Host lifecycle markers: the audit log shows each start and clean stop of domusd. */
    public static final String HOST_STARTED = "host-started";
    public static final String HOST_STOPPED = "host-stopped";

    public static ControlEvent result(String requestId, String command, boolean ok, String message) {
        return new ControlEvent(0, 0, RESULT, requestId, command, ok, -1, "", message);
    }

    public static ControlEvent domain(String type, int domid, String domain, String message) {
        return new ControlEvent(0, 0, type, "", "", true, domid, domain, message);
    }

    public boolean isResult() {
        return RESULT.equals(type);
    }

    /** One JSON object on one line (the {@code domus events --json} format). */
    public String toJson() {
        return "{\"index\":" + index + ",\"time_ms\":" + timeMillis + ",\"type\":" + Json.quote(type)
                + ",\"request_id\":" + Json.quote(requestId) + ",\"command\":" + Json.quote(command)
                + ",\"ok\":" + ok + ",\"domid\":" + domid + ",\"domain\":" + Json.quote(domain)
                + ",\"message\":" + Json.quote(message) + "}";
    }

    /** One readable line (the plain {@code domus events} format). */
    public String toLine() {
        StringBuilder sb = new StringBuilder();
        sb.append(java.time.Instant.ofEpochMilli(timeMillis)).append(' ').append(type);
        if (isResult()) {
            sb.append(' ').append(command).append(" [").append(requestId).append("] ")
                    .append(ok ? "ok" : "failed");
        }
        if (domid >= 0) {
            sb.append(" domid=").append(domid);
        }
        if (!domain.isEmpty()) {
            sb.append(" name=").append(domain);
        }
        if (!message.isEmpty()) {
            sb.append(": ").append(message.replace('\n', ' '));
        }
        return sb.toString();
    }
}
