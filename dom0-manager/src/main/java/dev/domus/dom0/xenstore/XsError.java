package dev.domus.dom0.xenstore;

/**
 * A xenstore request failed with one of the error names of {@code xsd_errors} in
 * {@code io/xs_wire.h} ({@code "ENOENT"}, {@code "EACCES"}, {@code "EAGAIN"}, ...). The daemon
 * sends the name back as an {@code XS_ERROR} reply; a client sees it as this exception.
 */
public final class XsError extends RuntimeException {

    private final String errorName;

    public XsError(String errorName, String detail) {
        super(detail == null ? errorName : errorName + ": " + detail);
        this.errorName = errorName;
    }

    public XsError(String errorName) {
        this(errorName, null);
    }

    /** The error's name as sent on the wire, e.g. {@code "EACCES"}. */
    public String errorName() {
        return errorName;
    }

    static XsError einval(String detail) {
        return new XsError("EINVAL", detail);
    }

    static XsError enoent(String path) {
        return new XsError("ENOENT", path);
    }

    static XsError eacces(String path) {
        return new XsError("EACCES", path);
    }
}
