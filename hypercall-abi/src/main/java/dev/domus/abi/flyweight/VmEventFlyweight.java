package dev.domus.abi.flyweight;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code vm_event_request_t} / {@code vm_event_response_t} (one struct,
 * {@code struct vm_event_st}, {@code xen/include/public/vm_event.h}), x86_64 layout,
 * little-endian, as used by the paging ring (union member {@code u.mem_paging}).
 *
 * <p>Fields (offset, C type, direction: request is hypervisor to pager, response back):
 * <ul>
 * <li>{@code version} at 0, uint32_t, IN/OUT: VM_EVENT_INTERFACE_VERSION</li>
 * <li>{@code flags} at 4, uint32_t, IN/OUT: VM_EVENT_FLAG_*</li>
 * <li>{@code reason} at 8, uint32_t, IN/OUT: VM_EVENT_REASON_*</li>
 * <li>{@code vcpu_id} at 12, uint32_t, IN/OUT</li>
 * <li>{@code altp2m_idx} at 16, uint16_t (Domus: always 0)</li>
 * <li>{@code u.mem_paging.gfn} at 24, uint64_t, IN/OUT</li>
 * <li>{@code u.mem_paging.p2mt} at 32, uint32_t, IN: the entry's type (Domus's P2M type numbers)</li>
 * <li>{@code u.mem_paging.flags} at 36, uint32_t, IN/OUT: MEM_PAGING_*</li>
 * <li>{@code data} at 56, 344 bytes (registers; unused by paging)</li>
 * </ul>
 * Offsets are gcc's {@code offsetof} against Xen 4.17's headers; {@link #RING_SIZE} is
 * {@code __CONST_RING_SIZE(vm_event, 4096)} and ring entries start at {@link #SRING_RING_OFFSET}
 * of the shared page (io/ring.h). Wraps a buffer without allocating; one per thread.
 */
public final class VmEventFlyweight {

    /** {@code sizeof(vm_event_request_t)}. */
    public static final int LENGTH = 400;
    public static final int VERSION_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int REASON_OFFSET = 8;
    public static final int VCPU_ID_OFFSET = 12;
    public static final int ALTP2M_IDX_OFFSET = 16;
    public static final int U_OFFSET = 24;
    public static final int MEM_PAGING_GFN_OFFSET = 24;
    public static final int MEM_PAGING_P2MT_OFFSET = 32;
    public static final int MEM_PAGING_FLAGS_OFFSET = 36;
    public static final int DATA_OFFSET = 56;

    /** Entries of a one-page vm_event ring: {@code __CONST_RING_SIZE(vm_event, 4096)}. */
    public static final int RING_SIZE = 8;
    /** Where {@code struct vm_event_sring}'s entries start (after the indexes and 48 bytes of padding). */
    public static final int SRING_RING_OFFSET = 64;
    public static final int SRING_REQ_PROD_OFFSET = 0;
    public static final int SRING_REQ_EVENT_OFFSET = 4;
    public static final int SRING_RSP_PROD_OFFSET = 8;
    public static final int SRING_RSP_EVENT_OFFSET = 12;

    /** This struct's layout, as the ABI dump prints it. */
    public static final StructLayout LAYOUT = StructLayout.builder("vm_event_st", LENGTH)
            .field("version", VERSION_OFFSET, Integer.BYTES)
            .field("flags", FLAGS_OFFSET, Integer.BYTES)
            .field("reason", REASON_OFFSET, Integer.BYTES)
            .field("vcpu_id", VCPU_ID_OFFSET, Integer.BYTES)
            .field("altp2m_idx", ALTP2M_IDX_OFFSET, Short.BYTES)
            .field("u", U_OFFSET, 32)
            .field("data", DATA_OFFSET, 344)
            .build();

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private MutableDirectBuffer buffer;
    private int offset;

    /** Points this flyweight at the struct starting at {@code offset} in {@code buffer}. */
    public VmEventFlyweight wrap(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** The offset of ring entry {@code index} (free-running) in a one-page vm_event ring. */
    public static int entryOffset(int index) {
        return SRING_RING_OFFSET + (index & (RING_SIZE - 1)) * LENGTH;
    }

    /** Zeroes the whole struct. */
    public VmEventFlyweight clear() {
        buffer.setMemory(offset, LENGTH, (byte) 0);
        return this;
    }

    public int version() {
        return buffer.getInt(offset + VERSION_OFFSET, LE);
    }

    public VmEventFlyweight version(int v) {
        buffer.putInt(offset + VERSION_OFFSET, v, LE);
        return this;
    }

    public int flags() {
        return buffer.getInt(offset + FLAGS_OFFSET, LE);
    }

    public VmEventFlyweight flags(int v) {
        buffer.putInt(offset + FLAGS_OFFSET, v, LE);
        return this;
    }

    public int reason() {
        return buffer.getInt(offset + REASON_OFFSET, LE);
    }

    public VmEventFlyweight reason(int v) {
        buffer.putInt(offset + REASON_OFFSET, v, LE);
        return this;
    }

    public int vcpuId() {
        return buffer.getInt(offset + VCPU_ID_OFFSET, LE);
    }

    public VmEventFlyweight vcpuId(int v) {
        buffer.putInt(offset + VCPU_ID_OFFSET, v, LE);
        return this;
    }

    public long gfn() {
        return buffer.getLong(offset + MEM_PAGING_GFN_OFFSET, LE);
    }

    public VmEventFlyweight gfn(long v) {
        buffer.putLong(offset + MEM_PAGING_GFN_OFFSET, v, LE);
        return this;
    }

    public int p2mt() {
        return buffer.getInt(offset + MEM_PAGING_P2MT_OFFSET, LE);
    }

    public VmEventFlyweight p2mt(int v) {
        buffer.putInt(offset + MEM_PAGING_P2MT_OFFSET, v, LE);
        return this;
    }

    public int pagingFlags() {
        return buffer.getInt(offset + MEM_PAGING_FLAGS_OFFSET, LE);
    }

    public VmEventFlyweight pagingFlags(int v) {
        buffer.putInt(offset + MEM_PAGING_FLAGS_OFFSET, v, LE);
        return this;
    }

    @Override
    public String toString() {
        return buffer == null ? "vm_event_st{}" : "vm_event_st{version=" + version() + ", flags=" + flags()
                + ", reason=" + reason() + ", vcpu_id=" + vcpuId() + ", u.mem_paging={gfn=" + gfn() + ", p2mt="
                + p2mt() + ", flags=" + pagingFlags() + "}}";
    }
}
