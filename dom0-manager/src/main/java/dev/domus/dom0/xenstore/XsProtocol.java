package dev.domus.dom0.xenstore;

/**
 * The {@code xs_wire} protocol numbers this daemon speaks, from Xen 4.17's
 * {@code xen/include/public/io/xs_wire.h}.
 *
 * <p>Kept package-private: other modules take these from hypercall-abi's {@code XsWire}.
 */
final class XsProtocol {

    private XsProtocol() {
    }

    // enum xsd_sockmsg_type
    static final int XS_CONTROL = 0;
    static final int XS_DIRECTORY = 1;
    static final int XS_READ = 2;
    static final int XS_GET_PERMS = 3;
    static final int XS_WATCH = 4;
    static final int XS_UNWATCH = 5;
    static final int XS_TRANSACTION_START = 6;
    static final int XS_TRANSACTION_END = 7;
    static final int XS_INTRODUCE = 8;
    static final int XS_RELEASE = 9;
    static final int XS_GET_DOMAIN_PATH = 10;
    static final int XS_WRITE = 11;
    static final int XS_MKDIR = 12;
    static final int XS_RM = 13;
    static final int XS_SET_PERMS = 14;
    static final int XS_WATCH_EVENT = 15;
    static final int XS_ERROR = 16;
    static final int XS_IS_DOMAIN_INTRODUCED = 17;
    static final int XS_RESUME = 18;
    static final int XS_SET_TARGET = 19;
    static final int XS_RESET_WATCHES = XS_SET_TARGET + 2;
    static final int XS_DIRECTORY_PART = 22;
    static final int XS_TYPE_COUNT = 23;
    static final int XS_INVALID = 0xffff;

    /** sizeof(struct xsd_sockmsg): type, req_id, tx_id, len, each a little-endian uint32_t. */
    static final int XSD_SOCKMSG_LENGTH = 16;
    static final int TYPE_OFFSET = 0;
    static final int REQ_ID_OFFSET = 4;
    static final int TX_ID_OFFSET = 8;
    static final int LEN_OFFSET = 12;

    static final int XENSTORE_PAYLOAD_MAX = 4096;
    static final int XENSTORE_ABS_PATH_MAX = 3072;
    static final int XENSTORE_REL_PATH_MAX = 2048;

    static String typeName(int type) {
        return switch (type) {
            case XS_CONTROL -> "XS_CONTROL";
            case XS_DIRECTORY -> "XS_DIRECTORY";
            case XS_READ -> "XS_READ";
            case XS_GET_PERMS -> "XS_GET_PERMS";
            case XS_WATCH -> "XS_WATCH";
            case XS_UNWATCH -> "XS_UNWATCH";
            case XS_TRANSACTION_START -> "XS_TRANSACTION_START";
            case XS_TRANSACTION_END -> "XS_TRANSACTION_END";
            case XS_INTRODUCE -> "XS_INTRODUCE";
            case XS_RELEASE -> "XS_RELEASE";
            case XS_GET_DOMAIN_PATH -> "XS_GET_DOMAIN_PATH";
            case XS_WRITE -> "XS_WRITE";
            case XS_MKDIR -> "XS_MKDIR";
            case XS_RM -> "XS_RM";
            case XS_SET_PERMS -> "XS_SET_PERMS";
            case XS_WATCH_EVENT -> "XS_WATCH_EVENT";
            case XS_ERROR -> "XS_ERROR";
            case XS_IS_DOMAIN_INTRODUCED -> "XS_IS_DOMAIN_INTRODUCED";
            case XS_RESUME -> "XS_RESUME";
            case XS_SET_TARGET -> "XS_SET_TARGET";
            case XS_RESET_WATCHES -> "XS_RESET_WATCHES";
            case XS_DIRECTORY_PART -> "XS_DIRECTORY_PART";
            default -> "type " + type;
        };
    }
}
