package dev.domus.sdk;

import static dev.domus.abi.XenErrno.*;

/**
 * Names and short descriptions of Xen's error numbers ({@code xen/include/public/errno.h}).
 * A plain switch: guest code may not use reflection to look the names up.
 */
public final class XenErrors {

    private XenErrors() {
    }

    /** Xen's name for a positive error number, or {@code "XEN_E?<n>"} for an unknown one. */
    public static String name(int errno) {
        switch (errno) {
            case XEN_EPERM: return "XEN_EPERM";
            case XEN_ENOENT: return "XEN_ENOENT";
            case XEN_ESRCH: return "XEN_ESRCH";
            case XEN_EINTR: return "XEN_EINTR";
            case XEN_EIO: return "XEN_EIO";
            case XEN_ENXIO: return "XEN_ENXIO";
            case XEN_E2BIG: return "XEN_E2BIG";
            case XEN_ENOEXEC: return "XEN_ENOEXEC";
            case XEN_EBADF: return "XEN_EBADF";
            case XEN_ECHILD: return "XEN_ECHILD";
            case XEN_EAGAIN: return "XEN_EAGAIN";
            case XEN_ENOMEM: return "XEN_ENOMEM";
            case XEN_EACCES: return "XEN_EACCES";
            case XEN_EFAULT: return "XEN_EFAULT";
            case XEN_EBUSY: return "XEN_EBUSY";
            case XEN_EEXIST: return "XEN_EEXIST";
            case XEN_EXDEV: return "XEN_EXDEV";
            case XEN_ENODEV: return "XEN_ENODEV";
            case XEN_ENOTDIR: return "XEN_ENOTDIR";
            case XEN_EISDIR: return "XEN_EISDIR";
            case XEN_EINVAL: return "XEN_EINVAL";
            case XEN_ENFILE: return "XEN_ENFILE";
            case XEN_EMFILE: return "XEN_EMFILE";
            case XEN_ENOSPC: return "XEN_ENOSPC";
            case XEN_EROFS: return "XEN_EROFS";
            case XEN_EMLINK: return "XEN_EMLINK";
            case XEN_EDOM: return "XEN_EDOM";
            case XEN_ERANGE: return "XEN_ERANGE";
            case XEN_EDEADLK: return "XEN_EDEADLK";
            case XEN_ENAMETOOLONG: return "XEN_ENAMETOOLONG";
            case XEN_ENOLCK: return "XEN_ENOLCK";
            case XEN_ENOSYS: return "XEN_ENOSYS";
            case XEN_ENOTEMPTY: return "XEN_ENOTEMPTY";
            case XEN_ENODATA: return "XEN_ENODATA";
            case XEN_ETIME: return "XEN_ETIME";
            case XEN_EBADMSG: return "XEN_EBADMSG";
            case XEN_EOVERFLOW: return "XEN_EOVERFLOW";
            case XEN_EILSEQ: return "XEN_EILSEQ";
            case XEN_ERESTART: return "XEN_ERESTART";
            case XEN_ENOTSOCK: return "XEN_ENOTSOCK";
            case XEN_EMSGSIZE: return "XEN_EMSGSIZE";
            case XEN_EOPNOTSUPP: return "XEN_EOPNOTSUPP";
            case XEN_EADDRINUSE: return "XEN_EADDRINUSE";
            case XEN_EADDRNOTAVAIL: return "XEN_EADDRNOTAVAIL";
            case XEN_ENOBUFS: return "XEN_ENOBUFS";
            case XEN_EISCONN: return "XEN_EISCONN";
            case XEN_ENOTCONN: return "XEN_ENOTCONN";
            case XEN_ETIMEDOUT: return "XEN_ETIMEDOUT";
            case XEN_ECONNREFUSED: return "XEN_ECONNREFUSED";
            default: return "XEN_E?" + errno;
        }
    }

    /** The comment errno.h gives the number, e.g. "Invalid argument". */
    public static String describe(int errno) {
        switch (errno) {
            case XEN_EPERM: return "Operation not permitted";
            case XEN_ENOENT: return "No such file or directory";
            case XEN_ESRCH: return "No such process";
            case XEN_EINTR: return "Interrupted system call";
            case XEN_EIO: return "I/O error";
            case XEN_ENXIO: return "No such device or address";
            case XEN_E2BIG: return "Arg list too long";
            case XEN_EBADF: return "Bad file number";
            case XEN_EAGAIN: return "Try again";
            case XEN_ENOMEM: return "Out of memory";
            case XEN_EACCES: return "Permission denied";
            case XEN_EFAULT: return "Bad address";
            case XEN_EBUSY: return "Device or resource busy";
            case XEN_EEXIST: return "File exists";
            case XEN_ENODEV: return "No such device";
            case XEN_EINVAL: return "Invalid argument";
            case XEN_ENOSPC: return "No space left on device";
            case XEN_EROFS: return "Read-only file system";
            case XEN_ENOSYS: return "Function not implemented";
            case XEN_ENOTEMPTY: return "Directory not empty";
            case XEN_ETIME: return "Timer expired";
            case XEN_EMSGSIZE: return "Message too large";
            case XEN_EOPNOTSUPP: return "Operation not supported";
            case XEN_ENOBUFS: return "No buffer space available";
            case XEN_EISCONN: return "Transport endpoint is already connected";
            case XEN_ENOTCONN: return "Transport endpoint is not connected";
            case XEN_ETIMEDOUT: return "Connection timed out";
            default: return "";
        }
    }

    /** The number for a xenstore error string such as {@code "ENOENT"}, or EIO if unknown. */
    public static int fromXenstore(String name) {
        switch (name) {
            case "EINVAL": return XEN_EINVAL;
            case "EACCES": return XEN_EACCES;
            case "EEXIST": return XEN_EEXIST;
            case "EISDIR": return XEN_EISDIR;
            case "ENOENT": return XEN_ENOENT;
            case "ENOMEM": return XEN_ENOMEM;
            case "ENOSPC": return XEN_ENOSPC;
            case "EIO": return XEN_EIO;
            case "ENOTEMPTY": return XEN_ENOTEMPTY;
            case "ENOSYS": return XEN_ENOSYS;
            case "EROFS": return XEN_EROFS;
            case "EBUSY": return XEN_EBUSY;
            case "EAGAIN": return XEN_EAGAIN;
            case "EISCONN": return XEN_EISCONN;
            case "E2BIG": return XEN_E2BIG;
            case "EPERM": return XEN_EPERM;
            default: return XEN_EIO;
        }
    }
}
