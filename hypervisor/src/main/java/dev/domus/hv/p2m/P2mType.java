package dev.domus.hv.p2m;

/**
 * Types of a P2M entry, named after Xen's {@code p2m_type_t} (xen/arch/x86/include/asm/p2m.h;
 * it is not in the public headers, so the values are Domus's own).
 *
 * <p>Access rules the guest sees: {@code ram_rw} and {@code grant_map_rw}/{@code map_foreign}
 * are read-write; {@code ram_logdirty}, {@code ram_shared} and {@code ram_paging_out} are
 * readable, and a write first runs the hook (mark dirty, break sharing, cancel the page-out);
 * {@code ram_paged} is brought back from the page store on any access; {@code grant_map_ro}
 * and {@code map_foreign_ro} are read-only; {@code invalid} and {@code ballooned} fault.
 */
public final class P2mType {

    private P2mType() {
    }

    /** No memory at this PFN (never populated, or the domain is dying). */
    public static final int p2m_invalid = 0;
    /** Ordinary guest RAM, read-write. */
    public static final int p2m_ram_rw = 1;
    /** RAM under log-dirty tracking: readable; a write marks the PFN dirty and makes it rw. */
    public static final int p2m_ram_logdirty = 2;
    /** Copy-on-write shared frame: readable; a write gives this PFN a private copy. */
    public static final int p2m_ram_shared = 3;
    /** Nominated for page-out: readable; a write cancels the nomination. */
    public static final int p2m_ram_paging_out = 4;
    /** Paged out to the page store: no frame; any access pages it back in first. */
    public static final int p2m_ram_paged = 5;
    /** Returned to the hypervisor by the balloon driver (decrease_reservation): faults. */
    public static final int p2m_ballooned = 6;
    /** Another domain's frame mapped through a writable grant. */
    public static final int p2m_grant_map_rw = 7;
    /** Another domain's frame mapped through a read-only grant. */
    public static final int p2m_grant_map_ro = 8;
    /** Another domain's frame mapped by a privileged domain (Dom0's foreign map), writable. */
    public static final int p2m_map_foreign = 9;
    /** Another domain's frame mapped by a privileged domain, read-only (Domus addition). */
    public static final int p2m_map_foreign_ro = 10;
    /**
     * A hypervisor page shared with the guest, read-write (its grant-table frames; Xen's
     * share_xen_page_with_guest). Not part of the reservation; cannot be released or mapped by
     * other domains (Domus addition).
     */
    public static final int p2m_xen_shared = 11;

    private static final String[] NAMES = {
        "invalid", "rw", "logdirty", "shared", "paging_out", "paged_out", "ballooned",
        "grant_map_rw", "grant_map_ro", "map_foreign", "map_foreign_ro", "xen_shared",
    };

    /** Short name of a type, for messages. */
    public static String name(int type) {
        return type >= 0 && type < NAMES.length ? NAMES[type] : "type#" + type;
    }

    /** True if the entry holds a frame (it has a valid MFN). */
    public static boolean hasFrame(int type) {
        return type == p2m_ram_rw || type == p2m_ram_logdirty || type == p2m_ram_shared
                || type == p2m_ram_paging_out || isForeign(type) || type == p2m_xen_shared;
    }

    /** True if the entry maps a frame owned by another domain. */
    public static boolean isForeign(int type) {
        return type >= p2m_grant_map_rw && type <= p2m_map_foreign_ro;
    }

    /** True if the entry counts toward the domain's reservation (its own RAM, wherever it is). */
    public static boolean isRam(int type) {
        return type >= p2m_ram_rw && type <= p2m_ram_paged;
    }
}
