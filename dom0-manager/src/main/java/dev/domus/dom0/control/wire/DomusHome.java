package dev.domus.dom0.control.wire;

import java.nio.file.Path;

/** Where a host lives: {@code --home}, else {@code $DOMUS_HOME}, else {@code ~/.domus}. */
public final class DomusHome {

    private DomusHome() {
    }

    public static Path resolve(Path option) {
        if (option != null) {
            return option.toAbsolutePath().normalize();
        }
        String env = System.getenv("DOMUS_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("user.home"), ".domus").toAbsolutePath().normalize();
    }
}
