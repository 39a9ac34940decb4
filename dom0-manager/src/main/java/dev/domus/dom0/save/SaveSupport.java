package dev.domus.dom0.save;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.domus.abi.SchedOp;
import dev.domus.dom0.config.ConfigException;
import dev.domus.dom0.config.DomainConfig;
import dev.domus.dom0.config.XlConfigParser;
import dev.domus.dom0.toolstack.DomainInfo;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;

/** The toolstack's small helpers for save and restore: options, domain states, the xenstore subtree, the config. */
public final class SaveSupport {

    /** Default time a guest gets to reach its suspend point. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

    private SaveSupport() {
    }

    /** {@code --timeout=MS} among the command's arguments, else the default. */
    public static long timeoutMillis(List<String> args) {
        for (String a : args) {
            if (a.startsWith("--timeout=")) {
                try {
                    long v = Long.parseLong(a.substring("--timeout=".length()));
                    if (v > 0) {
                        return v;
                    }
                } catch (NumberFormatException ignored) {
                    // fall through to the refusal
                }
                throw new IllegalArgumentException("--timeout takes a positive number of milliseconds, not "
                        + a.substring("--timeout=".length()));
            }
        }
        return DEFAULT_TIMEOUT_MILLIS;
    }

    /** The domain is shut down with reason suspend. */
    public static boolean suspended(DomainInfo i) {
        return i != null && i.shutdown() && i.shutdownReason() == SchedOp.SHUTDOWN_suspend;
    }

    /** The domain is gone, dying, crashed or shut down for another reason. */
    public static boolean gone(DomainInfo i) {
        return i == null || i.dying() || i.crashed() || (i.shutdown() && i.shutdownReason() != SchedOp.SHUTDOWN_suspend);
    }

    /** Every node under {@code root} with its value, as paths relative to {@code root}, parents first. */
    public static Map<String, String> subtree(XsClient xs, String root) {
        Map<String, String> out = new LinkedHashMap<>();
        walk(xs, root, "", out);
        return out;
    }

    private static void walk(XsClient xs, String root, String rel, Map<String, String> out) {
        String abs = rel.isEmpty() ? root : root + "/" + rel;
        List<String> children;
        try {
            if (!rel.isEmpty()) {
                out.put(rel, xs.read(abs));
            }
            children = xs.directory(abs);
        } catch (XsError e) {
            return; // removed while we walked
        }
        for (String c : children) {
            walk(xs, root, rel.isEmpty() ? c : rel + "/" + c, out);
        }
    }

    /**
     * The xenstore nodes of a saved domain that a restore or migration writes back over the new
     * build's: the guest's own {@code data/}, and its balloon target, so a guest ballooned down
     * stays down (its ballooned PFNs come back unpopulated) instead of growing to the config's
     * memory again.
     */
    public static boolean carried(String relativePath) {
        return relativePath.startsWith("data/") || relativePath.equals("memory/target");
    }

    /** The image's config, parsed as if read from its original file (relative paths stay right). */
    public static DomainConfig config(SavedImage img, Path image) throws ImageException {
        if (img.config() == null) {
            throw new ImageException(image + " has no DOMUS_CONFIG record: it cannot be restored by the toolstack");
        }
        Path src = img.configSource() == null || img.configSource().isEmpty()
                ? image.toAbsolutePath() : Path.of(img.configSource());
        try {
            return XlConfigParser.parse(img.config(), src.getParent(), src);
        } catch (ConfigException e) {
            throw new ImageException("the config saved in " + image + " is refused: " + e.getMessage());
        }
    }
}
