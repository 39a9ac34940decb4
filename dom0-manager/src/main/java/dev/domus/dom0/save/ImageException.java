package dev.domus.dom0.save;

/** A save image that cannot be used (bad magic, version, checksum, truncation), or a failed image write. */
public final class ImageException extends Exception {

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
