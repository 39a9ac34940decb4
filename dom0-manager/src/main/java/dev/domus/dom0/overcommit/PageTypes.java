package dev.domus.dom0.overcommit;

/** The P2M types Dom0 sees through getpageframeinfo3 (values of {@code dev.domus.hv.p2m.P2mType}). */
final class PageTypes {

    static final int RW = 1;
    static final int LOGDIRTY = 2;
    static final int SHARED = 3;
    static final int PAGING_OUT = 4;
    static final int PAGED = 5;
    static final int BALLOONED = 6;

    private PageTypes() {
    }

    /** Private RAM with a frame: what the scanner may hash and the pager may evict. */
    static boolean privateRam(int type) {
        return type == RW || type == LOGDIRTY;
    }
}
