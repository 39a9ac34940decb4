package dev.domus.dom0.xenstore;

import static dev.domus.abi.XsWire.*;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What xenstored has done since it started: requests by {@code xs_wire} message type (whatever
 * they answered) and watch events sent. Counted under the daemon's lock, read by the metrics
 * without it.
 */
public final class XsStats {

    /** Xen's name of each message type, by value (xs_wire.h; 20 was XS_RESTRICT, removed). */
    private static final String[] NAMES = new String[XS_TYPE_COUNT];

    static {
        NAMES[XS_CONTROL] = "XS_CONTROL";
        NAMES[XS_DIRECTORY] = "XS_DIRECTORY";
        NAMES[XS_READ] = "XS_READ";
        NAMES[XS_GET_PERMS] = "XS_GET_PERMS";
        NAMES[XS_WATCH] = "XS_WATCH";
        NAMES[XS_UNWATCH] = "XS_UNWATCH";
        NAMES[XS_TRANSACTION_START] = "XS_TRANSACTION_START";
        NAMES[XS_TRANSACTION_END] = "XS_TRANSACTION_END";
        NAMES[XS_INTRODUCE] = "XS_INTRODUCE";
        NAMES[XS_RELEASE] = "XS_RELEASE";
        NAMES[XS_GET_DOMAIN_PATH] = "XS_GET_DOMAIN_PATH";
        NAMES[XS_WRITE] = "XS_WRITE";
        NAMES[XS_MKDIR] = "XS_MKDIR";
        NAMES[XS_RM] = "XS_RM";
        NAMES[XS_SET_PERMS] = "XS_SET_PERMS";
        NAMES[XS_WATCH_EVENT] = "XS_WATCH_EVENT";
        NAMES[XS_ERROR] = "XS_ERROR";
        NAMES[XS_IS_DOMAIN_INTRODUCED] = "XS_IS_DOMAIN_INTRODUCED";
        NAMES[XS_RESUME] = "XS_RESUME";
        NAMES[XS_SET_TARGET] = "XS_SET_TARGET";
        NAMES[XS_RESET_WATCHES] = "XS_RESET_WATCHES";
        NAMES[XS_DIRECTORY_PART] = "XS_DIRECTORY_PART";
    }

    /** One slot per type, the last for types xs_wire.h does not define. */
    private final AtomicLongArray requests = new AtomicLongArray(XS_TYPE_COUNT + 1);
    private final AtomicLong watchEvents = new AtomicLong();
    private final AtomicLong watchEventsDropped = new AtomicLong();

    void request(int type) {
        requests.incrementAndGet(type >= 0 && type < XS_TYPE_COUNT && NAMES[type] != null ? type : XS_TYPE_COUNT);
    }

    void watchEvent() {
        watchEvents.incrementAndGet();
    }

    void watchEventDropped() {
        watchEventsDropped.incrementAndGet();
    }

    /** Watch events dropped because their client had its quota of unread output. */
    public long watchEventsDropped() {
        return watchEventsDropped.get();
    }

    /** Requests of one type so far ({@code XS_TYPE_COUNT}: the undefined types together). */
    public long requests(int type) {
        return requests.get(type);
    }

    /** Watch events sent to clients so far (the initial event of a new watch included). */
    public long watchEvents() {
        return watchEvents.get();
    }

    /** Xen's name of a type ({@code XS_READ}), {@code "unknown"} for {@code XS_TYPE_COUNT}, or null if undefined. */
    public static String typeName(int type) {
        return type == XS_TYPE_COUNT ? "unknown" : type >= 0 && type < XS_TYPE_COUNT ? NAMES[type] : null;
    }
}
