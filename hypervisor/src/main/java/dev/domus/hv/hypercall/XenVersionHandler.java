package dev.domus.hv.hypercall;

import static dev.domus.abi.XenVersion.XENVER_capabilities;
import static dev.domus.abi.XenVersion.XENVER_extraversion;
import static dev.domus.abi.XenVersion.XENVER_get_features;
import static dev.domus.abi.XenVersion.XENVER_pagesize;
import static dev.domus.abi.XenVersion.XENVER_version;

import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import java.nio.charset.StandardCharsets;

/**
 * {@code __HYPERVISOR_xen_version(cmd, arg)} (version.h): the version as
 * {@code major << 16 | minor}, the extra version string (16 bytes), capabilities (1024
 * bytes, "xen-3.0-x86_64"), the page size, and feature submap 0.
 */
final class XenVersionHandler implements HypercallHandler {

    static final byte[] EXTRAVERSION = ".0-domus".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CAPABILITIES = "xen-3.0-x86_64".getBytes(StandardCharsets.US_ASCII);
    private static final int XEN_EXTRAVERSION_LEN = 16;
    private static final int XEN_CAPABILITIES_INFO_LEN = 1024;
    /** XENFEAT_auto_translated_physmap (2): Domus guests see only guest-physical frames. */
    private static final int FEATURES_SUBMAP_0 = 1 << 2;

    @Override
    public long handle(CallContext ctx, long cmd, long arg, long a3, long a4, long a5) {
        switch ((int) cmd) {
            case XENVER_version:
                return (Xen.XEN_VERSION_MAJOR << 16) | Xen.XEN_VERSION_MINOR;
            case XENVER_pagesize:
                return Xen.PAGE_SIZE;
            case XENVER_extraversion:
                return putString(ctx, arg, EXTRAVERSION, XEN_EXTRAVERSION_LEN);
            case XENVER_capabilities:
                return putString(ctx, arg, CAPABILITIES, XEN_CAPABILITIES_INFO_LEN);
            case XENVER_get_features: {
                int rc = ctx.copyIn(arg, CallContext.ARG_OFFSET, 8);
                if (rc < 0) {
                    return rc;
                }
                int idx = ctx.buffer().getInt(CallContext.ARG_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
                ctx.buffer().putInt(CallContext.ARG_OFFSET + 4, idx == 0 ? FEATURES_SUBMAP_0 : 0,
                    java.nio.ByteOrder.LITTLE_ENDIAN);
                return ctx.copyOut(arg + 4, CallContext.ARG_OFFSET + 4, 4);
            }
            default:
                return -XenErrno.XEN_ENOSYS;
        }
    }

    private static long putString(CallContext ctx, long arg, byte[] s, int len) {
        ctx.buffer().setMemory(CallContext.BULK_OFFSET, len, (byte) 0);
        ctx.buffer().putBytes(CallContext.BULK_OFFSET, s);
        return ctx.copyOut(arg, CallContext.BULK_OFFSET, len);
    }
}
