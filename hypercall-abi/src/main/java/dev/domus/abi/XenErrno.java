package dev.domus.abi;

/**
 * Xen's error numbers, from {@code xen/include/public/errno.h} (Xen 4.17). Hypercalls return
 * them negated, as Xen does: {@code -XEN_EINVAL}.
 */
public final class XenErrno {

    private XenErrno() {
    }

    public static final int XEN_EPERM = 1;          // Operation not permitted
    public static final int XEN_ENOENT = 2;         // No such file or directory
    public static final int XEN_ESRCH = 3;          // No such process
    public static final int XEN_EINTR = 4;          // Interrupted system call
    public static final int XEN_EIO = 5;            // I/O error
    public static final int XEN_ENXIO = 6;          // No such device or address
    public static final int XEN_E2BIG = 7;          // Arg list too long
    public static final int XEN_ENOEXEC = 8;        // Exec format error
    public static final int XEN_EBADF = 9;          // Bad file number
    public static final int XEN_ECHILD = 10;        // No child processes
    public static final int XEN_EAGAIN = 11;        // Try again
    public static final int XEN_EWOULDBLOCK = 11;   // Operation would block (aliases EAGAIN)
    public static final int XEN_ENOMEM = 12;        // Out of memory
    public static final int XEN_EACCES = 13;        // Permission denied
    public static final int XEN_EFAULT = 14;        // Bad address
    public static final int XEN_EBUSY = 16;         // Device or resource busy
    public static final int XEN_EEXIST = 17;        // File exists
    public static final int XEN_EXDEV = 18;         // Cross-device link
    public static final int XEN_ENODEV = 19;        // No such device
    public static final int XEN_ENOTDIR = 20;       // Not a directory
    public static final int XEN_EISDIR = 21;        // Is a directory
    public static final int XEN_EINVAL = 22;        // Invalid argument
    public static final int XEN_ENFILE = 23;        // File table overflow
    public static final int XEN_EMFILE = 24;        // Too many open files
    public static final int XEN_ENOSPC = 28;        // No space left on device
    public static final int XEN_EROFS = 30;         // Read-only file system
    public static final int XEN_EMLINK = 31;        // Too many links
    public static final int XEN_EDOM = 33;          // Math argument out of domain of func
    public static final int XEN_ERANGE = 34;        // Math result not representable
    public static final int XEN_EDEADLK = 35;       // Resource deadlock would occur
    public static final int XEN_EDEADLOCK = 35;     // Aliases EDEADLK
    public static final int XEN_ENAMETOOLONG = 36;  // File name too long
    public static final int XEN_ENOLCK = 37;        // No record locks available
    public static final int XEN_ENOSYS = 38;        // Function not implemented
    public static final int XEN_ENOTEMPTY = 39;     // Directory not empty
    public static final int XEN_ENODATA = 61;       // No data available
    public static final int XEN_ETIME = 62;         // Timer expired
    public static final int XEN_EBADMSG = 74;       // Not a data message
    public static final int XEN_EOVERFLOW = 75;     // Value too large for defined data type
    public static final int XEN_EILSEQ = 84;        // Illegal byte sequence
    public static final int XEN_ERESTART = 85;      // Interrupted system call should be restarted
    public static final int XEN_ENOTSOCK = 88;      // Socket operation on non-socket
    public static final int XEN_EMSGSIZE = 90;      // Message too large
    public static final int XEN_EOPNOTSUPP = 95;    // Operation not supported on transport endpoint
    public static final int XEN_EADDRINUSE = 98;    // Address already in use
    public static final int XEN_EADDRNOTAVAIL = 99; // Cannot assign requested address
    public static final int XEN_ENOBUFS = 105;      // No buffer space available
    public static final int XEN_EISCONN = 106;      // Transport endpoint is already connected
    public static final int XEN_ENOTCONN = 107;     // Transport endpoint is not connected
    public static final int XEN_ETIMEDOUT = 110;    // Connection timed out
    public static final int XEN_ECONNREFUSED = 111; // Connection refused
}
