package dev.domus.hv.evtchn;

/**
 * Offsets in the x86_64 {@code shared_info} page that the 2-level event channel ABI uses
 * ({@code xen/include/public/xen.h}, {@code arch-x86/xen.h}): 32 {@code vcpu_info} of 64
 * bytes, then {@code evtchn_pending[64]} and {@code evtchn_mask[64]} of 8-byte words.
 */
public final class SharedInfoLayout {

    private SharedInfoLayout() {
    }

    public static final int VCPU_INFO_SIZE = 64;
    public static final int EVTCHN_UPCALL_PENDING_OFFSET = 0;
    public static final int EVTCHN_UPCALL_MASK_OFFSET = 1;
    public static final int EVTCHN_PENDING_SEL_OFFSET = 8;
    public static final int VCPU_TIME_OFFSET = 32;
    public static final int TIME_VERSION_OFFSET = 0;
    public static final int TIME_TSC_TIMESTAMP_OFFSET = 8;
    public static final int TIME_SYSTEM_TIME_OFFSET = 16;
    public static final int TIME_TSC_TO_SYSTEM_MUL_OFFSET = 24;
    public static final int TIME_TSC_SHIFT_OFFSET = 28;
    public static final int EVTCHN_PENDING_OFFSET = 2048;
    public static final int EVTCHN_MASK_OFFSET = 2560;
    public static final int WC_VERSION_OFFSET = 3072;
    public static final int WC_SEC_OFFSET = 3076;
    public static final int WC_NSEC_OFFSET = 3080;
    public static final int WC_SEC_HI_OFFSET = 3084;
    public static final int ARCH_MAX_PFN_OFFSET = 3088;
}
