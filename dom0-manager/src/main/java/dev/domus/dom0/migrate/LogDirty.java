package dev.domus.dom0.migrate;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.domus.abi.Domctl;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.flyweight.DomctlShadowOpFlyweight;
import dev.domus.abi.flyweight.XenDomctlFlyweight;
import dev.domus.hv.boot.Dom0;

/**
 * A domain's log-dirty mode from Dom0, as libxc's {@code xc_shadow_control}:
 * {@code XEN_DOMCTL_shadow_op} with {@code ENABLE_LOGDIRTY}, {@code CLEAN} (the dirty bitmap
 * since the last CLEAN, copied into Dom0's memory, then cleared) and {@code OFF}. One
 * instance per migration; not thread-safe.
 */
final class LogDirty implements AutoCloseable {

    private static final int U = XenDomctlFlyweight.U_OFFSET;
    private final Dom0 dom0;
    private final HypercallGate gate;
    private final GuestMemory mem;
    private final int domid;
    private final long pages;
    private final int bitmapPages;
    private final long scratch;
    private final long bitmap;
    private final byte[] copy;

    LogDirty(Dom0 dom0, int domid, long pages) {
        this.dom0 = dom0;
        this.gate = dom0.gate();
        this.mem = dom0.memory();
        this.domid = domid;
        this.pages = pages;
        this.bitmapPages = (int) ((pages + 8L * 4096 - 1) / (8L * 4096));
        this.scratch = dom0.pages().allocate(1 + bitmapPages);
        this.bitmap = scratch + 4096;
        // whole words; the bytes past the bitmap's are never written, so they stay 0
        this.copy = new byte[(int) ((pages + 63) / 64) * 8];
    }

    private long shadowOp(int op, long bitmapGpa) {
        mem.setMemory(scratch, XenDomctlFlyweight.LENGTH, (byte) 0);
        mem.putInt(scratch + XenDomctlFlyweight.CMD_OFFSET, Domctl.XEN_DOMCTL_shadow_op);
        mem.putInt(scratch + XenDomctlFlyweight.INTERFACE_VERSION_OFFSET, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        mem.putShort(scratch + XenDomctlFlyweight.DOMAIN_OFFSET, (short) domid);
        mem.putInt(scratch + U + DomctlShadowOpFlyweight.OP_OFFSET, op);
        mem.putLong(scratch + U + DomctlShadowOpFlyweight.DIRTY_BITMAP_OFFSET, bitmapGpa);
        mem.putLong(scratch + U + DomctlShadowOpFlyweight.PAGES_OFFSET, bitmapGpa == 0 ? 0 : pages);
        return gate.call(Hypercalls.__HYPERVISOR_domctl, scratch);
    }

    /** Turns tracking on (off first, if a failed migration left it on): 0 or {@code -XEN_E*}. */
    long enable() {
        long rc = shadowOp(Domctl.XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, 0);
        if (rc < 0) {
            shadowOp(Domctl.XEN_DOMCTL_SHADOW_OP_OFF, 0);
            rc = shadowOp(Domctl.XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, 0);
        }
        return rc;
    }

    /**
     * CLEAN: ORs the pages dirtied since the last CLEAN into {@code into} (bit {@code pfn % 64}
     * of word {@code pfn / 64}) and returns how many the hypervisor reported, or {@code -XEN_E*}.
     */
    long clean(long[] into) {
        mem.setMemory(bitmap, (int) ((pages + 7) / 8), (byte) 0);
        long rc = shadowOp(Domctl.XEN_DOMCTL_SHADOW_OP_CLEAN, bitmap);
        if (rc < 0) {
            return rc;
        }
        // One bulk copy, then whole words (a byte at a time through GuestMemory cost ms at 1 GiB).
        int bytes = (int) ((pages + 7) / 8);
        mem.getBytes(bitmap, copy, 0, bytes);
        ByteBuffer le = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        int words = Math.min(into.length, copy.length / 8);
        for (int w = 0; w < words; w++) {
            into[w] |= le.getLong(8 * w);
        }
        return mem.getInt(scratch + U + DomctlShadowOpFlyweight.STATS_DIRTY_COUNT_OFFSET) & 0xffffffffL;
    }

    /** Tracking off. */
    long off() {
        return shadowOp(Domctl.XEN_DOMCTL_SHADOW_OP_OFF, 0);
    }

    @Override
    public void close() {
        dom0.pages().free(scratch, 1 + bitmapPages);
    }
}
