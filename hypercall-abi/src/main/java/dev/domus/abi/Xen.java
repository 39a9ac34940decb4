package dev.domus.abi;

/** Machine-wide constants of the x86_64 PV ABI and this implementation's ABI version. */
public final class Xen {

    private Xen() {
    }

    /** {@code __XEN_LATEST_INTERFACE_VERSION__} of the Xen 4.17 public headers. */
    public static final int __XEN_LATEST_INTERFACE_VERSION__ = 0x00040e00;

    /** Xen release whose ABI this implements (XENVER_version: major << 16 | minor). */
    public static final int XEN_VERSION_MAJOR = 4;
    public static final int XEN_VERSION_MINOR = 17;

    /** Version of the Domus extensions to that ABI (the async ring); bumped on any change. */
    public static final int DOMUS_ABI_VERSION = 1;

    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    public static final long PAGE_MASK = ~((long) PAGE_SIZE - 1);

    /** {@code DOMID_FIRST_RESERVED} and the special domids of xen.h. */
    public static final int DOMID_FIRST_RESERVED = 0x7FF0;
    public static final int DOMID_SELF = 0x7FF0;
    public static final int DOMID_IO = 0x7FF1;
    public static final int DOMID_XEN = 0x7FF2;
    public static final int DOMID_COW = 0x7FF3;
    public static final int DOMID_INVALID = 0x7FF4;
    public static final int DOMID_IDLE = 0x7FFF;
}
