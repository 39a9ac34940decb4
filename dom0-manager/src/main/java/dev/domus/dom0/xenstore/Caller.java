package dev.domus.dom0.xenstore;

/** Who is asking: the domain a request's permissions are checked for. */
interface Caller {

    int domid();

    /** Dom0 (and its tools on the socket): bypasses permissions and quotas. */
    boolean privileged();

    /** The domain this one acts for (XS_SET_TARGET, a device model's guest), or -1. */
    int target();
}
