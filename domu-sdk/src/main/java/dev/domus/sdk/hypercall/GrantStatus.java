package dev.domus.sdk.hypercall;

import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;

/** GNTST_* status codes of grant_table.h, with the header's own messages. */
public final class GrantStatus {

    private GrantStatus() {
    }

    /** The GNTTABOP_error_msgs text for a (negative) GNTST_* status. */
    public static String message(int status) {
        switch (status) {
            case 0: return "okay";
            case -1: return "GNTST_general_error: undefined error";
            case -2: return "GNTST_bad_domain: unrecognised domain id";
            case -3: return "GNTST_bad_gntref: invalid grant reference";
            case -4: return "GNTST_bad_handle: invalid mapping handle";
            case -5: return "GNTST_bad_virt_addr: invalid virtual address";
            case -6: return "GNTST_bad_dev_addr: invalid device address";
            case -7: return "GNTST_no_device_space: no spare translation slot in the I/O MMU";
            case -8: return "GNTST_permission_denied: permission denied";
            case -9: return "GNTST_bad_page: bad page";
            case -10: return "GNTST_bad_copy_arg: copy arguments cross page boundary";
            case -11: return "GNTST_address_too_big: page address size too large";
            case -12: return "GNTST_eagain: operation not done; try again";
            case -13: return "GNTST_no_space: out of space";
            default: return "GNTST " + status;
        }
    }

    /** The Xen error a GNTST_* status corresponds to, for {@link XenException#errno()}. */
    public static int errno(int status) {
        switch (status) {
            case -2: return XenErrno.XEN_ESRCH;
            case -3: case -4: return XenErrno.XEN_EINVAL;
            case -8: return XenErrno.XEN_EPERM;
            case -9: case -5: case -6: return XenErrno.XEN_EFAULT;
            case -10: case -11: return XenErrno.XEN_EINVAL;
            case -12: return XenErrno.XEN_EAGAIN;
            case -13: case -7: return XenErrno.XEN_ENOSPC;
            default: return XenErrno.XEN_EIO;
        }
    }

    static XenException exception(int status, String operation) {
        return new XenException(errno(status), operation, message(status));
    }
}
