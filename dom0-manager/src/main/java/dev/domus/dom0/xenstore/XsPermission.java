package dev.domus.dom0.xenstore;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a node's permission list, as xenstore prints it: a letter and a domid,
 * e.g. {@code "r3"}. Letters: {@code n} none, {@code r} read, {@code w} write, {@code b} both.
 *
 * <p>In a node's list the first entry names the owner (who may always read, write and
 * change the permissions) and, with its letter, what every domain not listed gets; each
 * further entry grants its letter to one domain.
 */
public record XsPermission(int domid, char perm) {

    public XsPermission {
        if (perm != 'n' && perm != 'r' && perm != 'w' && perm != 'b') {
            throw XsError.einval("permission letter must be one of n, r, w, b: " + perm);
        }
        if (domid < 0 || domid > 0xFFFF) {
            throw XsError.einval("domid out of range: " + domid);
        }
    }

    public boolean canRead() {
        return perm == 'r' || perm == 'b';
    }

    public boolean canWrite() {
        return perm == 'w' || perm == 'b';
    }

    /** Parses {@code "b0"}, {@code "r12"}; anything else is {@code EINVAL}. */
    public static XsPermission parse(String text) {
        if (text.length() < 2 || text.length() > 6) {
            throw XsError.einval("bad permission '" + text + "'");
        }
        int domid;
        try {
            domid = Integer.parseInt(text.substring(1));
        } catch (NumberFormatException e) {
            throw XsError.einval("bad permission '" + text + "'");
        }
        if (!Character.isDigit(text.charAt(1))) {
            throw XsError.einval("bad permission '" + text + "'");
        }
        return new XsPermission(domid, text.charAt(0));
    }

    /** Parses a whole list; an empty list is {@code EINVAL} (a node always has an owner). */
    public static List<XsPermission> parseList(List<String> texts) {
        if (texts.isEmpty()) {
            throw XsError.einval("a permission list needs at least the owner entry");
        }
        List<XsPermission> perms = new ArrayList<>(texts.size());
        for (String t : texts) {
            perms.add(parse(t));
        }
        return List.copyOf(perms);
    }

    @Override
    public String toString() {
        return "" + perm + domid;
    }
}
