package dev.domus.dom0.xenstore;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The live node tree: a map from canonical path to node, the store's change counter, and
 * how many nodes each domain owns. Not thread-safe: the daemon calls it under its lock.
 */
final class NodeTree implements NodeView {

    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<Integer, Integer> owned = new HashMap<>();
    private final Consumer<WatchEvent> watchSink;
    private long generation;

    NodeTree(Consumer<WatchEvent> watchSink) {
        this.watchSink = watchSink;
        List<XsPermission> dom0Only = List.of(new XsPermission(0, 'n'));
        put("/", new Node(Node.EMPTY, dom0Only, List.of(), 0));
        for (String p : new String[] {"/local", "/local/domain", "/tool"}) {
            int slash = p.lastIndexOf('/');
            String parent = slash == 0 ? "/" : p.substring(0, slash);
            put(p, new Node(Node.EMPTY, dom0Only, List.of(), 0));
            put(parent, get(parent).withChild(p.substring(slash + 1)));
        }
    }

    @Override
    public Node get(String path) {
        return nodes.get(path);
    }

    @Override
    public void put(String path, Node node) {
        Node stored = node.withGeneration(++generation);
        Node old = nodes.put(path, stored);
        if (old != null) {
            owned.merge(old.owner(), -1, Integer::sum);
        }
        owned.merge(stored.owner(), 1, Integer::sum);
    }

    @Override
    public void remove(String path) {
        Node old = nodes.remove(path);
        if (old != null) {
            owned.merge(old.owner(), -1, Integer::sum);
            generation++;
        }
    }

    @Override
    public int ownedBy(int domid) {
        return owned.getOrDefault(domid, 0);
    }

    @Override
    public void changed(WatchEvent change) {
        watchSink.accept(change);
    }

    /** The generation of the node at {@code path}, or -1 if there is none. */
    long generationOf(String path) {
        Node n = nodes.get(path);
        return n == null ? -1 : n.generation;
    }

    int size() {
        return nodes.size();
    }
}
