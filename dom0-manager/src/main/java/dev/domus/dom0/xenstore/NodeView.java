package dev.domus.dom0.xenstore;

/**
 * The tree as one request sees it: the live tree, or a transaction's private view of it.
 * Paths are absolute and canonical.
 */
interface NodeView {

    /** The node at {@code path}, or {@code null}. */
    Node get(String path);

    /** Stores {@code node} at {@code path} (creating or replacing it). */
    void put(String path, Node node);

    /** Removes the one node at {@code path} (its children are the caller's business). */
    void remove(String path);

    /** Nodes owned by {@code domid} in this view, for the node-count quota. */
    int ownedBy(int domid);

    /** Records a change for the watches: fired now on the live tree, at commit in a transaction. */
    void changed(WatchEvent change);
}
