package dev.domus.dom0.config;

/** A domain config is refused; the message names the file, line and what to fix. */
public class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }
}
