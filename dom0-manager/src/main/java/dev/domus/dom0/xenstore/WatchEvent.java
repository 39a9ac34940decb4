package dev.domus.dom0.xenstore;

import java.util.List;

/**
 * A change that may fire watches: the node's path, whether a whole subtree went away (which
 * also fires watches set below it), and the node's permissions at the time (a watcher that
 * may not read the node gets no event).
 */
record WatchEvent(String path, boolean subtreeRemoved, List<XsPermission> perms) {
}
