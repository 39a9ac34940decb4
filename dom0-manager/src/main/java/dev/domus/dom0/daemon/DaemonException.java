package dev.domus.dom0.daemon;

/** domusd cannot start (or a request cannot be served); the message says what to fix. */
public class DaemonException extends Exception {

    public DaemonException(String message) {
        super(message);
    }

    public DaemonException(String message, Throwable cause) {
        super(message, cause);
    }
}
