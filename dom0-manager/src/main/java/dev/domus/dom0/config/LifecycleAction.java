package dev.domus.dom0.config;

/** What the toolstack does when a domain powers off, reboots or crashes (xl.cfg's on_*). */
public enum LifecycleAction {
    /** Destroy the domain. */
    DESTROY,
    /** Destroy it and create it again from the same config. */
    RESTART,
    /** Leave it in place (shut down or crashed) for inspection, until destroyed. */
    PRESERVE;

    static LifecycleAction parse(String key, String v) throws ConfigException {
        return switch (v) {
            case "destroy" -> DESTROY;
            case "restart" -> RESTART;
            case "preserve" -> PRESERVE;
            default -> throw new ConfigException(key + " = '" + v + "': use destroy, restart or preserve");
        };
    }

    public String xlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
