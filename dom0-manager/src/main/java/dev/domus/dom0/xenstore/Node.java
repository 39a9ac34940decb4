package dev.domus.dom0.xenstore;

import java.util.ArrayList;
import java.util.List;

/**
 * One xenstore node: its value, its permission list and the names of its children, in the
 * order they were created. Immutable: a change makes a new node, so a transaction can hold
 * its own copies without touching the live tree.
 *
 * <p>{@code generation} is the store's change counter at the node's last change; a
 * transaction remembers the generation of every node it looked at and fails with
 * {@code EAGAIN} at commit if any has moved.
 */
final class Node {

    static final byte[] EMPTY = new byte[0];

    final byte[] value;
    final List<XsPermission> perms;
    final List<String> children;
    final long generation;

    Node(byte[] value, List<XsPermission> perms, List<String> children, long generation) {
        this.value = value;
        this.perms = perms;
        this.children = children;
        this.generation = generation;
    }

    int owner() {
        return perms.get(0).domid();
    }

    Node withValue(byte[] newValue) {
        return new Node(newValue, perms, children, generation);
    }

    Node withPerms(List<XsPermission> newPerms) {
        return new Node(value, List.copyOf(newPerms), children, generation);
    }

    Node withChild(String name) {
        if (children.contains(name)) {
            return this;
        }
        List<String> c = new ArrayList<>(children.size() + 1);
        c.addAll(children);
        c.add(name);
        return new Node(value, perms, List.copyOf(c), generation);
    }

    Node withoutChild(String name) {
        List<String> c = new ArrayList<>(children);
        c.remove(name);
        return new Node(value, perms, List.copyOf(c), generation);
    }

    Node withGeneration(long g) {
        return new Node(value, perms, children, g);
    }

    /** Size counted against the entry-size quota: value, children's names, permissions. */
    int entrySize() {
        int size = value.length + 4 * perms.size();
        for (String c : children) {
            size += c.length() + 1;
        }
        return size;
    }

    /** Bytes of the NUL-separated child list, as XS_DIRECTORY sends it. */
    int childListLength() {
        int len = 0;
        for (String c : children) {
            len += c.length() + 1;
        }
        return len;
    }
}
