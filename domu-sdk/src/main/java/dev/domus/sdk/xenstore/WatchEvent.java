package dev.domus.sdk.xenstore;

/** A fired watch: the path that changed and the token given to {@link XenStore#watch}. */
public record WatchEvent(String path, String token) {
}
