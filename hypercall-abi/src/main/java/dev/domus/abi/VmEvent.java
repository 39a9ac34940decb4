package dev.domus.abi;

/**
 * Constants of Xen's VM event interface ({@code xen/include/public/vm_event.h}, Xen 4.17), of
 * which Domus implements the paging ring: the hypervisor posts a {@code vm_event_request_t}
 * with reason {@link #VM_EVENT_REASON_MEM_PAGING} when a guest touches a paged-out page whose
 * content only the pager (Dom0) holds; the pager answers with {@code XENMEM_paging_op_prep}
 * and a {@code vm_event_response_t} (see {@link dev.domus.abi.flyweight.VmEventFlyweight}).
 * The ring is set up with {@code XEN_DOMCTL_vm_event_op} ({@link Domctl#XEN_VM_EVENT_ENABLE},
 * {@link Domctl#XEN_DOMCTL_VM_EVENT_OP_PAGING}).
 */
public final class VmEvent {

    private VmEvent() {
    }

    public static final int VM_EVENT_INTERFACE_VERSION = 0x00000007;

    /**
     * VCPU_PAUSED in a request signals that the vCPU triggering the event has been paused;
     * VCPU_PAUSED in a response signals to unpause the vCPU.
     */
    public static final int VM_EVENT_FLAG_VCPU_PAUSED = 1 << 0;
    /** Flags to aid debugging vm_event. */
    public static final int VM_EVENT_FLAG_FOREIGN = 1 << 1;

    /** Memory paging event. */
    public static final int VM_EVENT_REASON_MEM_PAGING = 3;

    /** vm_event_paging flags. */
    public static final int MEM_PAGING_DROP_PAGE = 1 << 0;
    public static final int MEM_PAGING_EVICT_FAIL = 1 << 1;
}
