package dev.domus.dom0.xenstore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A transaction's private view of the tree (optimistic, like C xenstored's): reads fall
 * through to the live tree and remember the generation they saw; writes go to an overlay.
 * Commit fails with {@code EAGAIN} if any node the transaction looked at has changed since,
 * otherwise it applies the overlay and fires the recorded watch events.
 */
final class XsTransaction implements NodeView {

    /** Overlay marker for a node the transaction removed. */
    private static final Node REMOVED = new Node(Node.EMPTY, List.of(new XsPermission(0, 'n')), List.of(), -1);

    final int id;
    private final NodeTree live;
    private final Map<String, Node> overlay = new LinkedHashMap<>();
    private final Map<String, Long> observed = new HashMap<>();
    private final Map<Integer, Integer> ownedDelta = new HashMap<>();
    private final List<WatchEvent> changes = new ArrayList<>();

    XsTransaction(int id, NodeTree live) {
        this.id = id;
        this.live = live;
    }

    @Override
    public Node get(String path) {
        Node n = overlay.get(path);
        if (n != null) {
            return n == REMOVED ? null : n;
        }
        n = live.get(path);
        observed.putIfAbsent(path, n == null ? -1L : n.generation);
        return n;
    }

    @Override
    public void put(String path, Node node) {
        Node old = get(path);
        if (old != null) {
            ownedDelta.merge(old.owner(), -1, Integer::sum);
        }
        ownedDelta.merge(node.owner(), 1, Integer::sum);
        overlay.put(path, node);
    }

    @Override
    public void remove(String path) {
        Node old = get(path);
        if (old != null) {
            ownedDelta.merge(old.owner(), -1, Integer::sum);
        }
        overlay.put(path, REMOVED);
    }

    @Override
    public int ownedBy(int domid) {
        return live.ownedBy(domid) + ownedDelta.getOrDefault(domid, 0);
    }

    @Override
    public void changed(WatchEvent change) {
        changes.add(change);
    }

    /** True if no node this transaction read or wrote has changed in the live tree since. */
    boolean canCommit() {
        for (Map.Entry<String, Long> e : observed.entrySet()) {
            if (live.generationOf(e.getKey()) != e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Applies the overlay to the live tree and fires the watches; call only if {@link #canCommit()}. */
    void commit() {
        for (Map.Entry<String, Node> e : overlay.entrySet()) {
            if (e.getValue() == REMOVED) {
                live.remove(e.getKey());
            } else {
                live.put(e.getKey(), e.getValue());
            }
        }
        for (WatchEvent c : changes) {
            live.changed(c);
        }
    }
}
