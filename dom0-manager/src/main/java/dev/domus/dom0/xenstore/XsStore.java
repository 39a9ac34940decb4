package dev.domus.dom0.xenstore;

import java.util.ArrayList;
import java.util.List;

/**
 * The node operations with Xen's permission and quota semantics, applied to a
 * {@link NodeView} (the live tree, or a transaction). Paths are absolute and already
 * validated by the caller ({@link XsPaths}).
 */
final class XsStore {

    private final XsQuota quota;

    XsStore(XsQuota quota) {
        this.quota = quota;
    }

    XsQuota quota() {
        return quota;
    }

    /** Xen's perm_for_conn: owners and privileged callers get everything. */
    static boolean may(Caller c, List<XsPermission> perms, boolean write) {
        if (c.privileged()) {
            return true;
        }
        int owner = perms.get(0).domid();
        if (owner == c.domid() || (c.target() >= 0 && owner == c.target())) {
            return true;
        }
        for (int i = 1; i < perms.size(); i++) {
            XsPermission p = perms.get(i);
            if (p.domid() == c.domid() || (c.target() >= 0 && p.domid() == c.target())) {
                return write ? p.canWrite() : p.canRead();
            }
        }
        return write ? perms.get(0).canWrite() : perms.get(0).canRead();
    }

    static boolean owns(Caller c, Node n) {
        return c.privileged() || n.owner() == c.domid() || (c.target() >= 0 && n.owner() == c.target());
    }

    /**
     * The node at {@code path}, checked for reading or writing. A missing node is ENOENT, unless
     * the caller may not read its nearest existing ancestor: then EACCES, so that a guest cannot
     * probe for nodes it was not granted.
     */
    Node lookup(Caller c, NodeView v, String path, boolean write) {
        Node n = v.get(path);
        if (n == null) {
            Node ancestor = nearestAncestor(v, path);
            if (ancestor != null && !may(c, ancestor.perms, false)) {
                throw XsError.eacces(path);
            }
            throw XsError.enoent(path);
        }
        if (!may(c, n.perms, write)) {
            throw XsError.eacces(path);
        }
        return n;
    }

    byte[] read(Caller c, NodeView v, String path) {
        return lookup(c, v, path, false).value;
    }

    void write(Caller c, NodeView v, String path, byte[] value) {
        Node n = v.get(path);
        if (n == null) {
            create(c, v, path, value);
            return;
        }
        if (!may(c, n.perms, true)) {
            throw XsError.eacces(path);
        }
        Node updated = n.withValue(value);
        checkEntrySize(c, updated, path);
        v.put(path, updated);
        v.changed(new WatchEvent(path, false, updated.perms));
    }

    void mkdir(Caller c, NodeView v, String path) {
        Node n = v.get(path);
        if (n != null) {
            if (!may(c, n.perms, true)) {
                throw XsError.eacces(path);
            }
            return; // as in Xen: mkdir of an existing node succeeds and fires nothing
        }
        create(c, v, path, Node.EMPTY);
    }

    /** Creates {@code path} and any missing ancestors, each inheriting its parent's permissions. */
    private void create(Caller c, NodeView v, String path, byte[] value) {
        List<String> missing = new ArrayList<>();
        String p = path;
        Node existing;
        while ((existing = v.get(p)) == null) {
            missing.add(p);
            p = XsPaths.parent(p);
        }
        if (!may(c, existing.perms, true)) {
            throw XsError.eacces(path);
        }
        if (!c.privileged() && v.ownedBy(c.domid()) + missing.size() > quota.maxNodes()) {
            throw new XsError("ENOSPC", "domain " + c.domid() + " would own more than "
                    + quota.maxNodes() + " nodes");
        }
        // Check every size before changing anything, so a refused write leaves no trace.
        Node parent = existing.withChild(XsPaths.baseName(missing.get(missing.size() - 1)));
        checkEntrySize(c, parent, p);
        List<XsPermission> perms = existing.perms;
        if (!c.privileged()) {
            // An unprivileged domain owns what it creates; the rest is inherited.
            List<XsPermission> own = new ArrayList<>(perms);
            own.set(0, new XsPermission(c.domid(), perms.get(0).perm()));
            perms = List.copyOf(own);
        }
        Node leaf = new Node(value, perms, List.of(), 0);
        checkEntrySize(c, leaf, path);
        v.put(p, parent);
        for (int i = missing.size() - 1; i >= 0; i--) {
            String at = missing.get(i);
            Node node = i == 0 ? leaf : new Node(Node.EMPTY, perms, List.of(XsPaths.baseName(missing.get(i - 1))), 0);
            v.put(at, node);
        }
        v.changed(new WatchEvent(path, false, perms));
    }

    void rm(Caller c, NodeView v, String path) {
        if (path.equals("/")) {
            throw XsError.einval("cannot remove the root node");
        }
        Node n = v.get(path);
        if (n == null) {
            // Xen: removing a missing node whose parent exists (and is visible) succeeds.
            Node parent = v.get(XsPaths.parent(path));
            if (parent == null) {
                lookup(c, v, path, true); // throws ENOENT or EACCES
                throw XsError.enoent(path);
            }
            if (!may(c, parent.perms, false)) {
                throw XsError.eacces(path);
            }
            return;
        }
        if (!may(c, n.perms, true)) {
            throw XsError.eacces(path);
        }
        String parentPath = XsPaths.parent(path);
        Node parent = v.get(parentPath);
        List<XsPermission> perms = n.perms;
        removeSubtree(v, path, n);
        v.put(parentPath, parent.withoutChild(XsPaths.baseName(path)));
        v.changed(new WatchEvent(path, true, perms));
    }

    private static void removeSubtree(NodeView v, String path, Node n) {
        for (String child : n.children) {
            String cp = XsPaths.child(path, child);
            Node cn = v.get(cp);
            if (cn != null) {
                removeSubtree(v, cp, cn);
            }
        }
        v.remove(path);
    }

    Node directory(Caller c, NodeView v, String path) {
        return lookup(c, v, path, false);
    }

    List<XsPermission> getPerms(Caller c, NodeView v, String path) {
        return lookup(c, v, path, false).perms;
    }

    void setPerms(Caller c, NodeView v, String path, List<XsPermission> perms) {
        Node n = lookup(c, v, path, true);
        if (!owns(c, n)) {
            throw XsError.eacces(path);
        }
        if (!c.privileged() && perms.get(0).domid() != n.owner()) {
            throw new XsError("EPERM", "only Dom0 may change the owner of " + path);
        }
        Node updated = n.withPerms(perms);
        checkEntrySize(c, updated, path);
        if (!c.privileged() && updated.owner() != n.owner() && v.ownedBy(updated.owner()) >= quota.maxNodes()) {
            throw new XsError("ENOSPC", path);
        }
        v.put(path, updated);
        v.changed(new WatchEvent(path, false, updated.perms));
    }

    private void checkEntrySize(Caller c, Node n, String path) {
        if (!c.privileged() && n.entrySize() > quota.maxEntrySize()) {
            throw new XsError("ENOSPC", path + " would exceed the entry size quota of "
                    + quota.maxEntrySize() + " bytes");
        }
    }

    private static Node nearestAncestor(NodeView v, String path) {
        String p = path;
        while (!p.equals("/")) {
            p = XsPaths.parent(p);
            Node n = v.get(p);
            if (n != null) {
                return n;
            }
        }
        return null;
    }
}
