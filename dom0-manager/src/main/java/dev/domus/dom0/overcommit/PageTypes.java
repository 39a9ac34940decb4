package dev.domus.dom0.overcommit;

/** The P2M types Dom0 sees through getpageframeinfo3 (values of {@code dev.domus.hv.p2m.P2mType}). */
public final class PageTypes {

    public static final int RW = 1;
    public static final int LOGDIRTY = 2;
    public static final int SHARED = 3;
    public static final int PAGING_OUT = 4;
    public static final int PAGED = 5;
    public static final int BALLOONED = 6;

    private PageTypes() {
    }

    /** Private RAM with a frame: what the scanner may hash and the pager may evict. */
    public static boolean privateRam(int type) {
        return type == RW || type == LOGDIRTY;
    }
}
