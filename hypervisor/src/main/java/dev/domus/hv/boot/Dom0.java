package dev.domus.hv.boot;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;

/**
 * What Dom0's code gets from the host: domid 0's hypercall gate and memory, both usable
 * from any of Dom0's own threads, and the bookkeeping of its guest-physical space. Dom0
 * reaches the hypervisor only through {@link #gate()}; it is privileged because the
 * dispatcher lets domid 0 use domctl, sysctl and foreign mappings.
 *
 * <p>Layout of Dom0's memory: PFN {@value #START_INFO_PFN} holds its {@code start_info}
 * (SIF_PRIVILEGED | SIF_INITDOMAIN), PFN {@value #SHARED_INFO_PFN} its {@code shared_info}
 * (event channel bits), the rest is RAM handed out by {@link #pages()}; above RAM lie
 * unpopulated foreign-mapping slots.
 */
public final class Dom0 {

    public static final int START_INFO_PFN = 0;
    public static final int SHARED_INFO_PFN = 1;
    public static final int FIRST_RAM_PFN = 2;

    private final HypercallGate gate;
    private final GuestMemory memory;
    private final Dom0Pages pages;

    Dom0(HypercallGate gate, GuestMemory memory, Dom0Pages pages) {
        this.gate = gate;
        this.memory = memory;
        this.pages = pages;
    }

    public int domid() {
        return 0;
    }

    /** Dom0's gate; works from any thread of Dom0's. */
    public HypercallGate gate() {
        return gate;
    }

    /** Dom0's guest-physical memory; thread-safe (each thread gets its own translation cache). */
    public GuestMemory memory() {
        return memory;
    }

    public Dom0Pages pages() {
        return pages;
    }

    /** Guest-physical address of Dom0's start_info page. */
    public long startInfoAddress() {
        return (long) START_INFO_PFN << 12;
    }

    /** Guest-physical address of Dom0's shared_info page (its event channel bitmaps). */
    public long sharedInfoAddress() {
        return (long) SHARED_INFO_PFN << 12;
    }
}
