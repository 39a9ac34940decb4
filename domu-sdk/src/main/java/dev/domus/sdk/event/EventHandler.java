package dev.domus.sdk.event;

/** Called by {@link EventChannels#dispatch()} when an event is pending on a port. */
@FunctionalInterface
public interface EventHandler {
    void onEvent(int port);
}
