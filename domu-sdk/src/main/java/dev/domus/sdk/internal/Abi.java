package dev.domus.sdk.internal;

/**
 * The Xen 4.17 constants and struct offsets the SDK writes into guest memory, in one place.
 *
 * <p>Values come from the public headers under {@code /usr/include/xen} (offsets were printed
 * with {@code offsetof} against those headers for x86_64). Every field is a compile-time
 * constant, so javac inlines it and guest bytecode never references this class at run time.
 * Where {@code hypercall-abi} defines the same name, this class aliases it.
 */
public final class Abi {

    private Abi() {
    }

    // ---- event_channel.h
    public static final int EVTCHNOP_bind_interdomain = 0;
    public static final int EVTCHNOP_bind_virq = 1;
    public static final int EVTCHNOP_close = 3;
    public static final int EVTCHNOP_send = 4;
    public static final int EVTCHNOP_status = 5;
    public static final int EVTCHNOP_alloc_unbound = 6;
    public static final int EVTCHNOP_bind_ipi = 7;
    public static final int EVTCHNOP_unmask = 9;

    public static final int EVTCHN_ALLOC_UNBOUND_DOM_OFFSET = 0;
    public static final int EVTCHN_ALLOC_UNBOUND_REMOTE_DOM_OFFSET = 2;
    public static final int EVTCHN_ALLOC_UNBOUND_PORT_OFFSET = 4;
    public static final int EVTCHN_BIND_INTERDOMAIN_REMOTE_DOM_OFFSET = 0;
    public static final int EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT_OFFSET = 4;
    public static final int EVTCHN_BIND_INTERDOMAIN_LOCAL_PORT_OFFSET = 8;
    public static final int EVTCHN_BIND_VIRQ_VIRQ_OFFSET = 0;
    public static final int EVTCHN_BIND_VIRQ_VCPU_OFFSET = 4;
    public static final int EVTCHN_BIND_VIRQ_PORT_OFFSET = 8;
    public static final int EVTCHN_BIND_IPI_VCPU_OFFSET = 0;
    public static final int EVTCHN_BIND_IPI_PORT_OFFSET = 4;
    public static final int EVTCHN_STATUS_DOM_OFFSET = 0;
    public static final int EVTCHN_STATUS_PORT_OFFSET = 4;
    public static final int EVTCHN_STATUS_STATUS_OFFSET = 8;
    public static final int EVTCHN_STATUS_LENGTH = 24;

    // ---- xen.h: VIRQs
    public static final int VIRQ_TIMER = 0;

    // ---- xen.h: shared_info, vcpu_info, vcpu_time_info, start_info
    public static final int SHARED_INFO_VCPU_INFO_OFFSET = 0;
    public static final int SHARED_INFO_EVTCHN_PENDING_OFFSET = 2048;
    public static final int SHARED_INFO_EVTCHN_MASK_OFFSET = 2560;
    public static final int SHARED_INFO_WC_VERSION_OFFSET = 3072;
    public static final int VCPU_INFO_LENGTH = 64;
    public static final int VCPU_INFO_EVTCHN_UPCALL_PENDING_OFFSET = 0;
    public static final int VCPU_INFO_EVTCHN_UPCALL_MASK_OFFSET = 1;
    public static final int VCPU_INFO_EVTCHN_PENDING_SEL_OFFSET = 8;
    public static final int VCPU_INFO_TIME_OFFSET = 32;
    public static final int VCPU_TIME_INFO_VERSION_OFFSET = 0;
    public static final int VCPU_TIME_INFO_SYSTEM_TIME_OFFSET = 16;
    /** Event channel ports of the 2-level ABI: 64 words of 64 bits. */
    public static final int EVTCHN_2L_NR_CHANNELS = 4096;

    public static final int START_INFO_MAGIC_OFFSET = 0;
    public static final int START_INFO_NR_PAGES_OFFSET = 32;
    public static final int START_INFO_SHARED_INFO_OFFSET = 40;
    public static final int START_INFO_FLAGS_OFFSET = 48;
    public static final int START_INFO_STORE_MFN_OFFSET = 56;
    public static final int START_INFO_STORE_EVTCHN_OFFSET = 64;
    public static final int START_INFO_CONSOLE_MFN_OFFSET = 72;
    public static final int START_INFO_CONSOLE_EVTCHN_OFFSET = 80;
    public static final int START_INFO_CMD_LINE_OFFSET = 128;
    public static final int MAX_GUEST_CMDLINE = 1024;

    // ---- xen.h: multicall
    public static final int MULTICALL_ENTRY_OP_OFFSET = 0;
    public static final int MULTICALL_ENTRY_RESULT_OFFSET = 8;
    public static final int MULTICALL_ENTRY_ARGS_OFFSET = 16;
    public static final int MULTICALL_ENTRY_LENGTH = 64;

    // ---- sched.h
    public static final int SCHEDOP_yield = 0;
    public static final int SCHEDOP_block = 1;
    public static final int SCHEDOP_shutdown = 2;
    public static final int SCHEDOP_poll = 3;
    public static final int SHUTDOWN_poweroff = 0;
    public static final int SHUTDOWN_reboot = 1;
    public static final int SHUTDOWN_suspend = 2;
    public static final int SHUTDOWN_crash = 3;
    public static final int SCHED_SHUTDOWN_REASON_OFFSET = 0;
    public static final int SCHED_POLL_PORTS_OFFSET = 0;
    public static final int SCHED_POLL_NR_PORTS_OFFSET = 8;
    public static final int SCHED_POLL_TIMEOUT_OFFSET = 16;
    public static final int SCHED_POLL_LENGTH = 24;

    // ---- memory.h
    public static final int XENMEM_increase_reservation = 0;
    public static final int XENMEM_decrease_reservation = 1;
    public static final int XENMEM_current_reservation = 3;
    public static final int XENMEM_maximum_reservation = 4;
    public static final int XENMEM_populate_physmap = 6;
    public static final int XEN_MEMORY_RESERVATION_EXTENT_START_OFFSET = 0;
    public static final int XEN_MEMORY_RESERVATION_NR_EXTENTS_OFFSET = 8;
    public static final int XEN_MEMORY_RESERVATION_EXTENT_ORDER_OFFSET = 16;
    public static final int XEN_MEMORY_RESERVATION_MEM_FLAGS_OFFSET = 20;
    public static final int XEN_MEMORY_RESERVATION_DOMID_OFFSET = 24;
    public static final int XEN_MEMORY_RESERVATION_LENGTH = 32;

    // ---- version.h
    public static final int XENVER_version = 0;
    public static final int XENVER_extraversion = 1;
    public static final int XENVER_pagesize = 7;

    // ---- xen.h: console_io
    public static final int CONSOLEIO_write = 0;
    public static final int CONSOLEIO_read = 1;

    // ---- io/console.h
    public static final int XENCONS_INTERFACE_IN_OFFSET = 0;
    public static final int XENCONS_INTERFACE_OUT_OFFSET = 1024;
    public static final int XENCONS_INTERFACE_IN_CONS_OFFSET = 3072;
    public static final int XENCONS_INTERFACE_IN_PROD_OFFSET = 3076;
    public static final int XENCONS_INTERFACE_OUT_CONS_OFFSET = 3080;
    public static final int XENCONS_INTERFACE_OUT_PROD_OFFSET = 3084;
    public static final int XENCONS_IN_SIZE = 1024;
    public static final int XENCONS_OUT_SIZE = 2048;

    // ---- grant_table.h
    public static final int GNTTABOP_map_grant_ref = 0;
    public static final int GNTTABOP_unmap_grant_ref = 1;
    public static final int GNTTABOP_setup_table = 2;
    public static final int GNTTABOP_copy = 5;
    public static final int GNTTABOP_query_size = 6;
    public static final int GTF_permit_access = 1;
    public static final int GTF_readonly = 1 << 2;
    public static final int GTF_reading = 1 << 3;
    public static final int GTF_writing = 1 << 4;
    public static final int GNTCOPY_source_gref = 1;
    public static final int GNTCOPY_dest_gref = 1 << 1;
    public static final int GNTMAP_host_map = 1 << 1;
    public static final int GNTMAP_readonly = 1 << 2;
    public static final int GNTST_okay = 0;
    public static final int GRANT_ENTRY_V1_FLAGS_OFFSET = 0;
    public static final int GRANT_ENTRY_V1_DOMID_OFFSET = 2;
    public static final int GRANT_ENTRY_V1_FRAME_OFFSET = 4;
    public static final int GRANT_ENTRY_V1_LENGTH = 8;
    public static final int GNTTAB_SETUP_TABLE_DOM_OFFSET = 0;
    public static final int GNTTAB_SETUP_TABLE_NR_FRAMES_OFFSET = 4;
    public static final int GNTTAB_SETUP_TABLE_STATUS_OFFSET = 8;
    public static final int GNTTAB_SETUP_TABLE_FRAME_LIST_OFFSET = 16;
    public static final int GNTTAB_SETUP_TABLE_LENGTH = 24;
    public static final int GNTTAB_QUERY_SIZE_DOM_OFFSET = 0;
    public static final int GNTTAB_QUERY_SIZE_NR_FRAMES_OFFSET = 4;
    public static final int GNTTAB_QUERY_SIZE_MAX_NR_FRAMES_OFFSET = 8;
    public static final int GNTTAB_QUERY_SIZE_STATUS_OFFSET = 12;
    public static final int GNTTAB_QUERY_SIZE_LENGTH = 16;
    public static final int GNTTAB_COPY_SOURCE_OFFSET = 0;      // union {ref, gmfn} u64
    public static final int GNTTAB_COPY_SOURCE_DOMID_OFFSET = 8;
    public static final int GNTTAB_COPY_SOURCE_OFFSET_OFFSET = 10;
    public static final int GNTTAB_COPY_DEST_OFFSET = 16;
    public static final int GNTTAB_COPY_DEST_DOMID_OFFSET = 24;
    public static final int GNTTAB_COPY_DEST_OFFSET_OFFSET = 26;
    public static final int GNTTAB_COPY_LEN_OFFSET = 32;
    public static final int GNTTAB_COPY_FLAGS_OFFSET = 34;
    public static final int GNTTAB_COPY_STATUS_OFFSET = 36;
    public static final int GNTTAB_COPY_LENGTH = 40;
    public static final int GNTTAB_MAP_GRANT_REF_HOST_ADDR_OFFSET = 0;
    public static final int GNTTAB_MAP_GRANT_REF_FLAGS_OFFSET = 8;
    public static final int GNTTAB_MAP_GRANT_REF_REF_OFFSET = 12;
    public static final int GNTTAB_MAP_GRANT_REF_DOM_OFFSET = 16;
    public static final int GNTTAB_MAP_GRANT_REF_STATUS_OFFSET = 18;
    public static final int GNTTAB_MAP_GRANT_REF_HANDLE_OFFSET = 20;
    public static final int GNTTAB_MAP_GRANT_REF_LENGTH = 32;
    public static final int GNTTAB_UNMAP_GRANT_REF_HOST_ADDR_OFFSET = 0;
    public static final int GNTTAB_UNMAP_GRANT_REF_HANDLE_OFFSET = 16;
    public static final int GNTTAB_UNMAP_GRANT_REF_STATUS_OFFSET = 20;
    public static final int GNTTAB_UNMAP_GRANT_REF_LENGTH = 24;

    // ---- io/ring.h
    public static final int SRING_REQ_PROD_OFFSET = 0;
    public static final int SRING_REQ_EVENT_OFFSET = 4;
    public static final int SRING_RSP_PROD_OFFSET = 8;
    public static final int SRING_RSP_EVENT_OFFSET = 12;
    public static final int SRING_RING_OFFSET = 64;

    // ---- io/xs_wire.h
    public static final int XS_CONTROL = 0;
    public static final int XS_DIRECTORY = 1;
    public static final int XS_READ = 2;
    public static final int XS_GET_PERMS = 3;
    public static final int XS_WATCH = 4;
    public static final int XS_UNWATCH = 5;
    public static final int XS_TRANSACTION_START = 6;
    public static final int XS_TRANSACTION_END = 7;
    public static final int XS_GET_DOMAIN_PATH = 10;
    public static final int XS_WRITE = 11;
    public static final int XS_MKDIR = 12;
    public static final int XS_RM = 13;
    public static final int XS_SET_PERMS = 14;
    public static final int XS_WATCH_EVENT = 15;
    public static final int XS_ERROR = 16;
    public static final int XENSTORE_PAYLOAD_MAX = 4096;
    public static final int XENSTORE_RING_SIZE = 1024;
    public static final int XSD_SOCKMSG_LENGTH = 16;
    public static final int XENSTORE_DOMAIN_INTERFACE_REQ_OFFSET = 0;
    public static final int XENSTORE_DOMAIN_INTERFACE_RSP_OFFSET = 1024;
    public static final int XENSTORE_DOMAIN_INTERFACE_REQ_CONS_OFFSET = 2048;
    public static final int XENSTORE_DOMAIN_INTERFACE_REQ_PROD_OFFSET = 2052;
    public static final int XENSTORE_DOMAIN_INTERFACE_RSP_CONS_OFFSET = 2056;
    public static final int XENSTORE_DOMAIN_INTERFACE_RSP_PROD_OFFSET = 2060;

    // ---- io/xenbus.h
    public static final int XenbusStateUnknown = 0;
    public static final int XenbusStateInitialising = 1;
    public static final int XenbusStateInitWait = 2;
    public static final int XenbusStateInitialised = 3;
    public static final int XenbusStateConnected = 4;
    public static final int XenbusStateClosing = 5;
    public static final int XenbusStateClosed = 6;

    // ---- io/blkif.h
    public static final int BLKIF_OP_READ = 0;
    public static final int BLKIF_OP_WRITE = 1;
    public static final int BLKIF_OP_FLUSH_DISKCACHE = 3;
    public static final int BLKIF_RSP_EOPNOTSUPP = -2;
    public static final int BLKIF_RSP_ERROR = -1;
    public static final int BLKIF_RSP_OKAY = 0;
    public static final int BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;
    public static final int BLKIF_REQUEST_OPERATION_OFFSET = 0;
    public static final int BLKIF_REQUEST_NR_SEGMENTS_OFFSET = 1;
    public static final int BLKIF_REQUEST_HANDLE_OFFSET = 2;
    public static final int BLKIF_REQUEST_ID_OFFSET = 8;
    public static final int BLKIF_REQUEST_SECTOR_NUMBER_OFFSET = 16;
    public static final int BLKIF_REQUEST_SEG_OFFSET = 24;
    public static final int BLKIF_REQUEST_LENGTH = 112;
    public static final int BLKIF_REQUEST_SEGMENT_GREF_OFFSET = 0;
    public static final int BLKIF_REQUEST_SEGMENT_FIRST_SECT_OFFSET = 4;
    public static final int BLKIF_REQUEST_SEGMENT_LAST_SECT_OFFSET = 5;
    public static final int BLKIF_REQUEST_SEGMENT_LENGTH = 8;
    public static final int BLKIF_RESPONSE_ID_OFFSET = 0;
    public static final int BLKIF_RESPONSE_OPERATION_OFFSET = 8;
    public static final int BLKIF_RESPONSE_STATUS_OFFSET = 10;
}
