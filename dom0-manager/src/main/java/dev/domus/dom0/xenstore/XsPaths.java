package dev.domus.dom0.xenstore;

import dev.domus.abi.XsWire;

/**
 * Path rules of xenstore: absolute paths start with {@code /}, relative ones are relative to
 * the caller's home {@code /local/domain/<domid>}; names use letters, digits and
 * {@code - / _ @}; no empty components, no trailing slash; at most
 * {@code XENSTORE_ABS_PATH_MAX} bytes absolute ({@code XENSTORE_REL_PATH_MAX} relative).
 * Watches may also name the special paths {@code @introduceDomain} and {@code @releaseDomain}.
 */
final class XsPaths {

    static final String INTRODUCE_DOMAIN = "@introduceDomain";
    static final String RELEASE_DOMAIN = "@releaseDomain";

    private XsPaths() {
    }

    /** {@code /local/domain/<domid>}: a domain's home, where its relative paths start. */
    static String domainPath(int domid) {
        return "/local/domain/" + domid;
    }

    /** Makes {@code path} absolute for {@code domid} and checks it; EINVAL if it is not valid. */
    static String canonical(int domid, String path) {
        if (path.isEmpty()) {
            throw XsError.einval("empty path");
        }
        String abs;
        if (path.charAt(0) == '/') {
            if (path.length() > XsWire.XENSTORE_ABS_PATH_MAX) {
                throw XsError.einval("path longer than XENSTORE_ABS_PATH_MAX");
            }
            abs = path;
        } else {
            if (path.length() > XsWire.XENSTORE_REL_PATH_MAX) {
                throw XsError.einval("path longer than XENSTORE_REL_PATH_MAX");
            }
            abs = domainPath(domid) + "/" + path;
        }
        if (!valid(abs)) {
            throw XsError.einval("invalid path '" + path + "'");
        }
        return abs;
    }

    /** Like {@link #canonical} but also accepts the special watch paths. */
    static String canonicalWatch(int domid, String path) {
        if (path.equals(INTRODUCE_DOMAIN) || path.equals(RELEASE_DOMAIN)) {
            return path;
        }
        return canonical(domid, path);
    }

    static boolean valid(String abs) {
        if (abs.equals("/")) {
            return true;
        }
        if (abs.charAt(0) != '/' || abs.endsWith("/") || abs.contains("//")) {
            return false;
        }
        for (int i = 0; i < abs.length(); i++) {
            char ch = abs.charAt(i);
            boolean ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
                    || ch == '-' || ch == '/' || ch == '_' || ch == '@';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static String parent(String abs) {
        int slash = abs.lastIndexOf('/');
        return slash == 0 ? "/" : abs.substring(0, slash);
    }

    static String baseName(String abs) {
        return abs.substring(abs.lastIndexOf('/') + 1);
    }

    static String child(String abs, String name) {
        return abs.equals("/") ? "/" + name : abs + "/" + name;
    }

    /** True if {@code path} is {@code ancestor} or lies below it. */
    static boolean isAtOrBelow(String path, String ancestor) {
        if (ancestor.equals("/")) {
            return path.startsWith("/");
        }
        return path.equals(ancestor)
                || (path.length() > ancestor.length() && path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/');
    }
}
