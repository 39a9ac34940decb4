package dev.domus.dom0.save;

import dev.domus.abi.Domctl;

/**
 * The Domus save image, laid out in the style of Xen's migration stream v2
 * (docs/specs/libxc-migration-stream.pandoc): an image header, a domain header, then records
 * until an END record. Everything is little-endian. Unlike Xen's stream, every header and
 * record carries a CRC32C, so a flipped bit anywhere is caught before a domain is created.
 *
 * <pre>
 * image header  (32): marker u64 = ~0, id u32 = "DOMS", version u32, options u16, res u16, res u32,
 *                     crc32c u32 (of the 24 bytes before), res u32
 * domain header (24): type u32 (DHDR_TYPE_X86_PV), page_shift u16, res u16, xen_major u32,
 *                     xen_minor u32, crc32c u32, res u32
 * record            : type u32, length u32, body[length], zero padding to 8,
 *                     crc32c u32 (of type, length and body), res u32
 * </pre>
 * Record type numbers are Xen's where Xen has the record ({@code END}, {@code PAGE_DATA},
 * {@code X86_PV_VCPU_BASIC}, {@code SHARED_INFO}); Domus's own records are in
 * {@code 0x0f00..0x0fff}, which Xen 4.17 leaves unassigned.
 */
public final class ImageFormat {

    private ImageFormat() {
    }

    public static final long IHDR_MARKER = 0xffffffffffffffffL;
    /** "DOMS": a Domus image (Xen's is "XENF"). */
    public static final int IHDR_ID = 0x444f4d53;
    public static final int VERSION = 1;
    public static final int IHDR_LENGTH = 32;
    public static final int DHDR_LENGTH = 24;
    public static final int DHDR_TYPE_X86_PV = 1;
    public static final int PAGE_SHIFT = 12;
    public static final int XEN_MAJOR = 4;
    public static final int XEN_MINOR = 17;

    public static final int REC_TYPE_END = 0x00000000;
    public static final int REC_TYPE_PAGE_DATA = 0x00000001;
    public static final int REC_TYPE_X86_PV_VCPU_BASIC = 0x00000004;
    public static final int REC_TYPE_SHARED_INFO = 0x00000007;
    /** Name, kernel, memory sizes, vCPU count, the special frames. */
    public static final int REC_TYPE_DOMUS_DOMAIN_INFO = 0x00000f00;
    /** The domain's xl.cfg text, as the toolstack parsed it. */
    public static final int REC_TYPE_DOMUS_CONFIG = 0x00000f01;
    /** The domain's xenstore subtree (relative path, value pairs). */
    public static final int REC_TYPE_DOMUS_XENSTORE = 0x00000f02;
    /** Xen's REC_TYPE_OPTIONAL: a reader may skip an unknown record with this bit set. */
    public static final int REC_TYPE_OPTIONAL = 0x80000000;

    public static final int RECORD_HEADER = 8;
    public static final int RECORD_TRAILER = 8;
    /** No record body is larger than this (a batch of 1024 pages plus its PFN list). */
    public static final int MAX_RECORD_BODY = 8 << 20;
    public static final int MAX_BATCH_PAGES = 1024;

    /** PAGE_DATA PFN entries: PFN in bits 0-51, XEN_DOMCTL_PFINFO_* >> 28 in bits 60-63 (as Xen). */
    public static final long PAGE_DATA_PFN_MASK = 0x000fffffffffffffL;
    public static final int PAGE_DATA_TYPE_SHIFT = 60 - Domctl.XEN_DOMCTL_PFINFO_LTAB_SHIFT;
    /** A page with its 4096 bytes in the record. */
    public static final long PAGE_NORMAL = (long) Domctl.XEN_DOMCTL_PFINFO_NOTAB << PAGE_DATA_TYPE_SHIFT;
    /** Not present (ballooned out or never populated): nothing to allocate. */
    public static final long PAGE_ABSENT = Domctl.XEN_DOMCTL_PFINFO_XTAB << PAGE_DATA_TYPE_SHIFT;
    /** Present and all zero: allocated, no data in the record. */
    public static final long PAGE_ZERO = Domctl.XEN_DOMCTL_PFINFO_XALLOC << PAGE_DATA_TYPE_SHIFT;
    public static final long PAGE_TYPE_MASK = 0xf000000000000000L;

    static int padded(int length) {
        return (length + 7) & ~7;
    }

    static String typeName(int type) {
        return switch (type) {
            case REC_TYPE_END -> "END";
            case REC_TYPE_PAGE_DATA -> "PAGE_DATA";
            case REC_TYPE_X86_PV_VCPU_BASIC -> "X86_PV_VCPU_BASIC";
            case REC_TYPE_SHARED_INFO -> "SHARED_INFO";
            case REC_TYPE_DOMUS_DOMAIN_INFO -> "DOMUS_DOMAIN_INFO";
            case REC_TYPE_DOMUS_CONFIG -> "DOMUS_CONFIG";
            case REC_TYPE_DOMUS_XENSTORE -> "DOMUS_XENSTORE";
            default -> String.format("0x%08x", type);
        };
    }
}
