package dev.domus.dom0.daemon;

/** Where the toolstack reports domain events (they go to the event queue). */
@FunctionalInterface
public interface EventSink {

    /**
     * @param type    a {@code ControlEvent} domain event type (created, paused, crashed, ...)
     * @param domid   the domain
     * @param name    its name
     * @param message detail, may be empty
     */
    void domainEvent(String type, int domid, String name, String message);
}
