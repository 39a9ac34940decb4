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
    public static final int EVTCHNOP_bind_interdomain = dev.domus.abi.EventChannelOp.EVTCHNOP_bind_interdomain;
    public static final int EVTCHNOP_bind_virq = dev.domus.abi.EventChannelOp.EVTCHNOP_bind_virq;
    public static final int EVTCHNOP_close = dev.domus.abi.EventChannelOp.EVTCHNOP_close;
    public static final int EVTCHNOP_send = dev.domus.abi.EventChannelOp.EVTCHNOP_send;
    public static final int EVTCHNOP_status = dev.domus.abi.EventChannelOp.EVTCHNOP_status;
    public static final int EVTCHNOP_alloc_unbound = dev.domus.abi.EventChannelOp.EVTCHNOP_alloc_unbound;
    public static final int EVTCHNOP_bind_ipi = dev.domus.abi.EventChannelOp.EVTCHNOP_bind_ipi;
    public static final int EVTCHNOP_unmask = dev.domus.abi.EventChannelOp.EVTCHNOP_unmask;

    public static final int EVTCHN_ALLOC_UNBOUND_DOM_OFFSET = dev.domus.abi.flyweight.EvtchnAllocUnboundFlyweight.DOM_OFFSET;
    public static final int EVTCHN_ALLOC_UNBOUND_REMOTE_DOM_OFFSET = dev.domus.abi.flyweight.EvtchnAllocUnboundFlyweight.REMOTE_DOM_OFFSET;
    public static final int EVTCHN_ALLOC_UNBOUND_PORT_OFFSET = dev.domus.abi.flyweight.EvtchnAllocUnboundFlyweight.PORT_OFFSET;
    public static final int EVTCHN_BIND_INTERDOMAIN_REMOTE_DOM_OFFSET = dev.domus.abi.flyweight.EvtchnBindInterdomainFlyweight.REMOTE_DOM_OFFSET;
    public static final int EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT_OFFSET = dev.domus.abi.flyweight.EvtchnBindInterdomainFlyweight.REMOTE_PORT_OFFSET;
    public static final int EVTCHN_BIND_INTERDOMAIN_LOCAL_PORT_OFFSET = dev.domus.abi.flyweight.EvtchnBindInterdomainFlyweight.LOCAL_PORT_OFFSET;
    public static final int EVTCHN_BIND_VIRQ_VIRQ_OFFSET = dev.domus.abi.flyweight.EvtchnBindVirqFlyweight.VIRQ_OFFSET;
    public static final int EVTCHN_BIND_VIRQ_VCPU_OFFSET = dev.domus.abi.flyweight.EvtchnBindVirqFlyweight.VCPU_OFFSET;
    public static final int EVTCHN_BIND_VIRQ_PORT_OFFSET = dev.domus.abi.flyweight.EvtchnBindVirqFlyweight.PORT_OFFSET;
    public static final int EVTCHN_BIND_IPI_VCPU_OFFSET = dev.domus.abi.flyweight.EvtchnBindIpiFlyweight.VCPU_OFFSET;
    public static final int EVTCHN_BIND_IPI_PORT_OFFSET = dev.domus.abi.flyweight.EvtchnBindIpiFlyweight.PORT_OFFSET;
    public static final int EVTCHN_STATUS_DOM_OFFSET = dev.domus.abi.flyweight.EvtchnStatusFlyweight.DOM_OFFSET;
    public static final int EVTCHN_STATUS_PORT_OFFSET = dev.domus.abi.flyweight.EvtchnStatusFlyweight.PORT_OFFSET;
    public static final int EVTCHN_STATUS_STATUS_OFFSET = dev.domus.abi.flyweight.EvtchnStatusFlyweight.STATUS_OFFSET;
    public static final int EVTCHN_STATUS_LENGTH = dev.domus.abi.flyweight.EvtchnStatusFlyweight.LENGTH;

    // ---- xen.h: VIRQs
    public static final int VIRQ_TIMER = dev.domus.abi.Virq.VIRQ_TIMER;

    // ---- xen.h: shared_info, vcpu_info, vcpu_time_info, start_info
    public static final int SHARED_INFO_VCPU_INFO_OFFSET = dev.domus.abi.flyweight.SharedInfoFlyweight.VCPU_INFO_OFFSET;
    public static final int SHARED_INFO_EVTCHN_PENDING_OFFSET = dev.domus.abi.flyweight.SharedInfoFlyweight.EVTCHN_PENDING_OFFSET;
    public static final int SHARED_INFO_EVTCHN_MASK_OFFSET = dev.domus.abi.flyweight.SharedInfoFlyweight.EVTCHN_MASK_OFFSET;
    public static final int SHARED_INFO_WC_VERSION_OFFSET = dev.domus.abi.flyweight.SharedInfoFlyweight.WC_VERSION_OFFSET;
    public static final int VCPU_INFO_LENGTH = dev.domus.abi.flyweight.VcpuInfoFlyweight.LENGTH;
    public static final int VCPU_INFO_EVTCHN_UPCALL_PENDING_OFFSET = dev.domus.abi.flyweight.VcpuInfoFlyweight.EVTCHN_UPCALL_PENDING_OFFSET;
    public static final int VCPU_INFO_EVTCHN_UPCALL_MASK_OFFSET = dev.domus.abi.flyweight.VcpuInfoFlyweight.EVTCHN_UPCALL_MASK_OFFSET;
    public static final int VCPU_INFO_EVTCHN_PENDING_SEL_OFFSET = dev.domus.abi.flyweight.VcpuInfoFlyweight.EVTCHN_PENDING_SEL_OFFSET;
    public static final int VCPU_INFO_TIME_OFFSET = dev.domus.abi.flyweight.VcpuInfoFlyweight.TIME_OFFSET;
    public static final int VCPU_TIME_INFO_VERSION_OFFSET = dev.domus.abi.flyweight.VcpuTimeInfoFlyweight.VERSION_OFFSET;
    public static final int VCPU_TIME_INFO_SYSTEM_TIME_OFFSET = dev.domus.abi.flyweight.VcpuTimeInfoFlyweight.SYSTEM_TIME_OFFSET;
    public static final int VCPU_TIME_INFO_TSC_TIMESTAMP_OFFSET = dev.domus.abi.flyweight.VcpuTimeInfoFlyweight.TSC_TIMESTAMP_OFFSET;
    public static final int VCPU_TIME_INFO_TSC_TO_SYSTEM_MUL_OFFSET = dev.domus.abi.flyweight.VcpuTimeInfoFlyweight.TSC_TO_SYSTEM_MUL_OFFSET;
    public static final int VCPU_TIME_INFO_TSC_SHIFT_OFFSET = dev.domus.abi.flyweight.VcpuTimeInfoFlyweight.TSC_SHIFT_OFFSET;
    /** Event channel ports of the 2-level ABI: 64 words of 64 bits. */
    public static final int EVTCHN_2L_NR_CHANNELS = dev.domus.abi.EventChannelOp.EVTCHN_2L_NR_CHANNELS;

    public static final int START_INFO_MAGIC_OFFSET = dev.domus.abi.flyweight.StartInfoFlyweight.MAGIC_OFFSET;
    public static final int START_INFO_NR_PAGES_OFFSET = dev.domus.abi.flyweight.StartInfoFlyweight.NR_PAGES_OFFSET;
    public static final int START_INFO_SHARED_INFO_OFFSET = dev.domus.abi.flyweight.StartInfoFlyweight.SHARED_INFO_OFFSET;
    public static final int START_INFO_FLAGS_OFFSET = dev.domus.abi.flyweight.StartInfoFlyweight.FLAGS_OFFSET;
    public static final int START_INFO_STORE_MFN_OFFSET = dev.domus.abi.flyweight.StartInfoFlyweight.STORE_MFN_OFFSET;
    public static final int START_INFO_STORE_EVTCHN_OFFSET = dev.domus.abi.flyweight.StartInfoFlyweight.STORE_EVTCHN_OFFSET;
    public static final int START_INFO_CONSOLE_MFN_OFFSET = dev.domus.abi.flyweight.StartInfoFlyweight.CONSOLE_DOMU_MFN_OFFSET;
    public static final int START_INFO_CONSOLE_EVTCHN_OFFSET = dev.domus.abi.flyweight.StartInfoFlyweight.CONSOLE_DOMU_EVTCHN_OFFSET;
    public static final int START_INFO_CMD_LINE_OFFSET = dev.domus.abi.flyweight.StartInfoFlyweight.CMD_LINE_OFFSET;
    public static final int MAX_GUEST_CMDLINE = dev.domus.abi.StartInfo.MAX_GUEST_CMDLINE;

    // ---- xen.h: multicall
    public static final int MULTICALL_ENTRY_OP_OFFSET = dev.domus.abi.flyweight.MulticallEntryFlyweight.OP_OFFSET;
    public static final int MULTICALL_ENTRY_RESULT_OFFSET = dev.domus.abi.flyweight.MulticallEntryFlyweight.RESULT_OFFSET;
    public static final int MULTICALL_ENTRY_ARGS_OFFSET = dev.domus.abi.flyweight.MulticallEntryFlyweight.ARGS_OFFSET;
    public static final int MULTICALL_ENTRY_LENGTH = dev.domus.abi.flyweight.MulticallEntryFlyweight.LENGTH;

    // ---- vcpu.h
    public static final int VCPUOP_get_runstate_info = dev.domus.abi.VcpuOp.VCPUOP_get_runstate_info;
    public static final int VCPUOP_up = dev.domus.abi.VcpuOp.VCPUOP_up;
    public static final int VCPUOP_down = dev.domus.abi.VcpuOp.VCPUOP_down;
    public static final int VCPUOP_is_up = dev.domus.abi.VcpuOp.VCPUOP_is_up;
    public static final int VCPU_RUNSTATE_INFO_STATE_ENTRY_TIME_OFFSET = dev.domus.abi.flyweight.VcpuRunstateInfoFlyweight.STATE_ENTRY_TIME_OFFSET;
    public static final int VCPU_RUNSTATE_INFO_LENGTH = dev.domus.abi.flyweight.VcpuRunstateInfoFlyweight.LENGTH;

    // ---- sched.h
    public static final int SCHEDOP_yield = dev.domus.abi.SchedOp.SCHEDOP_yield;
    public static final int SCHEDOP_block = dev.domus.abi.SchedOp.SCHEDOP_block;
    public static final int SCHEDOP_shutdown = dev.domus.abi.SchedOp.SCHEDOP_shutdown;
    public static final int SCHEDOP_poll = dev.domus.abi.SchedOp.SCHEDOP_poll;
    public static final int SHUTDOWN_poweroff = dev.domus.abi.SchedOp.SHUTDOWN_poweroff;
    public static final int SHUTDOWN_reboot = dev.domus.abi.SchedOp.SHUTDOWN_reboot;
    public static final int SHUTDOWN_suspend = dev.domus.abi.SchedOp.SHUTDOWN_suspend;
    public static final int SHUTDOWN_crash = dev.domus.abi.SchedOp.SHUTDOWN_crash;
    public static final int SCHED_SHUTDOWN_REASON_OFFSET = dev.domus.abi.flyweight.SchedShutdownFlyweight.REASON_OFFSET;
    public static final int SCHED_POLL_PORTS_OFFSET = dev.domus.abi.flyweight.SchedPollFlyweight.PORTS_OFFSET;
    public static final int SCHED_POLL_NR_PORTS_OFFSET = dev.domus.abi.flyweight.SchedPollFlyweight.NR_PORTS_OFFSET;
    public static final int SCHED_POLL_TIMEOUT_OFFSET = dev.domus.abi.flyweight.SchedPollFlyweight.TIMEOUT_OFFSET;
    public static final int SCHED_POLL_LENGTH = dev.domus.abi.flyweight.SchedPollFlyweight.LENGTH;

    // ---- memory.h
    public static final int XENMEM_increase_reservation = dev.domus.abi.MemoryOp.XENMEM_increase_reservation;
    public static final int XENMEM_decrease_reservation = dev.domus.abi.MemoryOp.XENMEM_decrease_reservation;
    public static final int XENMEM_current_reservation = dev.domus.abi.MemoryOp.XENMEM_current_reservation;
    public static final int XENMEM_maximum_reservation = dev.domus.abi.MemoryOp.XENMEM_maximum_reservation;
    public static final int XENMEM_populate_physmap = dev.domus.abi.MemoryOp.XENMEM_populate_physmap;
    public static final int XEN_MEMORY_RESERVATION_EXTENT_START_OFFSET = dev.domus.abi.flyweight.XenMemoryReservationFlyweight.EXTENT_START_OFFSET;
    public static final int XEN_MEMORY_RESERVATION_NR_EXTENTS_OFFSET = dev.domus.abi.flyweight.XenMemoryReservationFlyweight.NR_EXTENTS_OFFSET;
    public static final int XEN_MEMORY_RESERVATION_EXTENT_ORDER_OFFSET = dev.domus.abi.flyweight.XenMemoryReservationFlyweight.EXTENT_ORDER_OFFSET;
    public static final int XEN_MEMORY_RESERVATION_MEM_FLAGS_OFFSET = dev.domus.abi.flyweight.XenMemoryReservationFlyweight.MEM_FLAGS_OFFSET;
    public static final int XEN_MEMORY_RESERVATION_DOMID_OFFSET = dev.domus.abi.flyweight.XenMemoryReservationFlyweight.DOMID_OFFSET;
    public static final int XEN_MEMORY_RESERVATION_LENGTH = dev.domus.abi.flyweight.XenMemoryReservationFlyweight.LENGTH;

    // ---- version.h
    public static final int XENVER_version = dev.domus.abi.XenVersion.XENVER_version;
    public static final int XENVER_extraversion = dev.domus.abi.XenVersion.XENVER_extraversion;
    public static final int XENVER_pagesize = dev.domus.abi.XenVersion.XENVER_pagesize;

    // ---- xen.h: console_io
    public static final int CONSOLEIO_write = dev.domus.abi.ConsoleIo.CONSOLEIO_write;
    public static final int CONSOLEIO_read = dev.domus.abi.ConsoleIo.CONSOLEIO_read;

    // ---- io/console.h
    public static final int XENCONS_INTERFACE_IN_OFFSET = dev.domus.abi.flyweight.XenconsInterfaceFlyweight.IN_OFFSET;
    public static final int XENCONS_INTERFACE_OUT_OFFSET = dev.domus.abi.flyweight.XenconsInterfaceFlyweight.OUT_OFFSET;
    public static final int XENCONS_INTERFACE_IN_CONS_OFFSET = dev.domus.abi.flyweight.XenconsInterfaceFlyweight.IN_CONS_OFFSET;
    public static final int XENCONS_INTERFACE_IN_PROD_OFFSET = dev.domus.abi.flyweight.XenconsInterfaceFlyweight.IN_PROD_OFFSET;
    public static final int XENCONS_INTERFACE_OUT_CONS_OFFSET = dev.domus.abi.flyweight.XenconsInterfaceFlyweight.OUT_CONS_OFFSET;
    public static final int XENCONS_INTERFACE_OUT_PROD_OFFSET = dev.domus.abi.flyweight.XenconsInterfaceFlyweight.OUT_PROD_OFFSET;
    public static final int XENCONS_IN_SIZE = dev.domus.abi.flyweight.XenconsInterfaceFlyweight.IN_SIZE;
    public static final int XENCONS_OUT_SIZE = dev.domus.abi.flyweight.XenconsInterfaceFlyweight.OUT_SIZE;

    // ---- grant_table.h
    public static final int GNTTABOP_map_grant_ref = dev.domus.abi.GrantTableOp.GNTTABOP_map_grant_ref;
    public static final int GNTTABOP_unmap_grant_ref = dev.domus.abi.GrantTableOp.GNTTABOP_unmap_grant_ref;
    public static final int GNTTABOP_setup_table = dev.domus.abi.GrantTableOp.GNTTABOP_setup_table;
    public static final int GNTTABOP_copy = dev.domus.abi.GrantTableOp.GNTTABOP_copy;
    public static final int GNTTABOP_query_size = dev.domus.abi.GrantTableOp.GNTTABOP_query_size;
    public static final int GTF_permit_access = dev.domus.abi.GrantTableOp.GTF_permit_access;
    public static final int GTF_readonly = dev.domus.abi.GrantTableOp.GTF_readonly;
    public static final int GTF_reading = dev.domus.abi.GrantTableOp.GTF_reading;
    public static final int GTF_writing = dev.domus.abi.GrantTableOp.GTF_writing;
    public static final int GNTCOPY_source_gref = dev.domus.abi.GrantTableOp.GNTCOPY_source_gref;
    public static final int GNTCOPY_dest_gref = dev.domus.abi.GrantTableOp.GNTCOPY_dest_gref;
    public static final int GNTMAP_host_map = dev.domus.abi.GrantTableOp.GNTMAP_host_map;
    public static final int GNTMAP_readonly = dev.domus.abi.GrantTableOp.GNTMAP_readonly;
    public static final int GNTST_okay = dev.domus.abi.GrantTableOp.GNTST_okay;
    public static final int GRANT_ENTRY_V1_FLAGS_OFFSET = dev.domus.abi.flyweight.GrantEntryV1Flyweight.FLAGS_OFFSET;
    public static final int GRANT_ENTRY_V1_DOMID_OFFSET = dev.domus.abi.flyweight.GrantEntryV1Flyweight.DOMID_OFFSET;
    public static final int GRANT_ENTRY_V1_FRAME_OFFSET = dev.domus.abi.flyweight.GrantEntryV1Flyweight.FRAME_OFFSET;
    public static final int GRANT_ENTRY_V1_LENGTH = dev.domus.abi.flyweight.GrantEntryV1Flyweight.LENGTH;
    public static final int GNTTAB_SETUP_TABLE_DOM_OFFSET = dev.domus.abi.flyweight.GnttabSetupTableFlyweight.DOM_OFFSET;
    public static final int GNTTAB_SETUP_TABLE_NR_FRAMES_OFFSET = dev.domus.abi.flyweight.GnttabSetupTableFlyweight.NR_FRAMES_OFFSET;
    public static final int GNTTAB_SETUP_TABLE_STATUS_OFFSET = dev.domus.abi.flyweight.GnttabSetupTableFlyweight.STATUS_OFFSET;
    public static final int GNTTAB_SETUP_TABLE_FRAME_LIST_OFFSET = dev.domus.abi.flyweight.GnttabSetupTableFlyweight.FRAME_LIST_OFFSET;
    public static final int GNTTAB_SETUP_TABLE_LENGTH = dev.domus.abi.flyweight.GnttabSetupTableFlyweight.LENGTH;
    public static final int GNTTAB_QUERY_SIZE_DOM_OFFSET = dev.domus.abi.flyweight.GnttabQuerySizeFlyweight.DOM_OFFSET;
    public static final int GNTTAB_QUERY_SIZE_NR_FRAMES_OFFSET = dev.domus.abi.flyweight.GnttabQuerySizeFlyweight.NR_FRAMES_OFFSET;
    public static final int GNTTAB_QUERY_SIZE_MAX_NR_FRAMES_OFFSET = dev.domus.abi.flyweight.GnttabQuerySizeFlyweight.MAX_NR_FRAMES_OFFSET;
    public static final int GNTTAB_QUERY_SIZE_STATUS_OFFSET = dev.domus.abi.flyweight.GnttabQuerySizeFlyweight.STATUS_OFFSET;
    public static final int GNTTAB_QUERY_SIZE_LENGTH = dev.domus.abi.flyweight.GnttabQuerySizeFlyweight.LENGTH;
    public static final int GNTTAB_COPY_SOURCE_OFFSET = dev.domus.abi.flyweight.GnttabCopyFlyweight.SOURCE_OFFSET;      // union {ref, gmfn} u64
    public static final int GNTTAB_COPY_SOURCE_DOMID_OFFSET = dev.domus.abi.flyweight.GnttabCopyFlyweight.SOURCE_DOMID_OFFSET;
    public static final int GNTTAB_COPY_SOURCE_OFFSET_OFFSET = dev.domus.abi.flyweight.GnttabCopyFlyweight.SOURCE_OFFSET_OFFSET;
    public static final int GNTTAB_COPY_DEST_OFFSET = dev.domus.abi.flyweight.GnttabCopyFlyweight.DEST_OFFSET;
    public static final int GNTTAB_COPY_DEST_DOMID_OFFSET = dev.domus.abi.flyweight.GnttabCopyFlyweight.DEST_DOMID_OFFSET;
    public static final int GNTTAB_COPY_DEST_OFFSET_OFFSET = dev.domus.abi.flyweight.GnttabCopyFlyweight.DEST_OFFSET_OFFSET;
    public static final int GNTTAB_COPY_LEN_OFFSET = dev.domus.abi.flyweight.GnttabCopyFlyweight.LEN_OFFSET;
    public static final int GNTTAB_COPY_FLAGS_OFFSET = dev.domus.abi.flyweight.GnttabCopyFlyweight.FLAGS_OFFSET;
    public static final int GNTTAB_COPY_STATUS_OFFSET = dev.domus.abi.flyweight.GnttabCopyFlyweight.STATUS_OFFSET;
    public static final int GNTTAB_COPY_LENGTH = dev.domus.abi.flyweight.GnttabCopyFlyweight.LENGTH;
    public static final int GNTTAB_MAP_GRANT_REF_HOST_ADDR_OFFSET = dev.domus.abi.flyweight.GnttabMapGrantRefFlyweight.HOST_ADDR_OFFSET;
    public static final int GNTTAB_MAP_GRANT_REF_FLAGS_OFFSET = dev.domus.abi.flyweight.GnttabMapGrantRefFlyweight.FLAGS_OFFSET;
    public static final int GNTTAB_MAP_GRANT_REF_REF_OFFSET = dev.domus.abi.flyweight.GnttabMapGrantRefFlyweight.REF_OFFSET;
    public static final int GNTTAB_MAP_GRANT_REF_DOM_OFFSET = dev.domus.abi.flyweight.GnttabMapGrantRefFlyweight.DOM_OFFSET;
    public static final int GNTTAB_MAP_GRANT_REF_STATUS_OFFSET = dev.domus.abi.flyweight.GnttabMapGrantRefFlyweight.STATUS_OFFSET;
    public static final int GNTTAB_MAP_GRANT_REF_HANDLE_OFFSET = dev.domus.abi.flyweight.GnttabMapGrantRefFlyweight.HANDLE_OFFSET;
    public static final int GNTTAB_MAP_GRANT_REF_LENGTH = dev.domus.abi.flyweight.GnttabMapGrantRefFlyweight.LENGTH;
    public static final int GNTTAB_UNMAP_GRANT_REF_HOST_ADDR_OFFSET = dev.domus.abi.flyweight.GnttabUnmapGrantRefFlyweight.HOST_ADDR_OFFSET;
    public static final int GNTTAB_UNMAP_GRANT_REF_HANDLE_OFFSET = dev.domus.abi.flyweight.GnttabUnmapGrantRefFlyweight.HANDLE_OFFSET;
    public static final int GNTTAB_UNMAP_GRANT_REF_STATUS_OFFSET = dev.domus.abi.flyweight.GnttabUnmapGrantRefFlyweight.STATUS_OFFSET;
    public static final int GNTTAB_UNMAP_GRANT_REF_LENGTH = dev.domus.abi.flyweight.GnttabUnmapGrantRefFlyweight.LENGTH;

    // ---- io/ring.h
    public static final int SRING_REQ_PROD_OFFSET = dev.domus.abi.flyweight.BlkifSringFlyweight.REQ_PROD_OFFSET;
    public static final int SRING_REQ_EVENT_OFFSET = dev.domus.abi.flyweight.BlkifSringFlyweight.REQ_EVENT_OFFSET;
    public static final int SRING_RSP_PROD_OFFSET = dev.domus.abi.flyweight.BlkifSringFlyweight.RSP_PROD_OFFSET;
    public static final int SRING_RSP_EVENT_OFFSET = dev.domus.abi.flyweight.BlkifSringFlyweight.RSP_EVENT_OFFSET;
    public static final int SRING_RING_OFFSET = dev.domus.abi.flyweight.BlkifSringFlyweight.RING_OFFSET;

    // ---- io/xs_wire.h
    public static final int XS_CONTROL = dev.domus.abi.XsWire.XS_CONTROL;
    public static final int XS_DIRECTORY = dev.domus.abi.XsWire.XS_DIRECTORY;
    public static final int XS_READ = dev.domus.abi.XsWire.XS_READ;
    public static final int XS_GET_PERMS = dev.domus.abi.XsWire.XS_GET_PERMS;
    public static final int XS_WATCH = dev.domus.abi.XsWire.XS_WATCH;
    public static final int XS_UNWATCH = dev.domus.abi.XsWire.XS_UNWATCH;
    public static final int XS_TRANSACTION_START = dev.domus.abi.XsWire.XS_TRANSACTION_START;
    public static final int XS_TRANSACTION_END = dev.domus.abi.XsWire.XS_TRANSACTION_END;
    public static final int XS_GET_DOMAIN_PATH = dev.domus.abi.XsWire.XS_GET_DOMAIN_PATH;
    public static final int XS_WRITE = dev.domus.abi.XsWire.XS_WRITE;
    public static final int XS_MKDIR = dev.domus.abi.XsWire.XS_MKDIR;
    public static final int XS_RM = dev.domus.abi.XsWire.XS_RM;
    public static final int XS_SET_PERMS = dev.domus.abi.XsWire.XS_SET_PERMS;
    public static final int XS_WATCH_EVENT = dev.domus.abi.XsWire.XS_WATCH_EVENT;
    public static final int XS_ERROR = dev.domus.abi.XsWire.XS_ERROR;
    public static final int XENSTORE_PAYLOAD_MAX = dev.domus.abi.XsWire.XENSTORE_PAYLOAD_MAX;
    public static final int XENSTORE_RING_SIZE = dev.domus.abi.XsWire.XENSTORE_RING_SIZE;
    public static final int XSD_SOCKMSG_LENGTH = dev.domus.abi.flyweight.XsdSockmsgFlyweight.LENGTH;
    public static final int XENSTORE_DOMAIN_INTERFACE_REQ_OFFSET = dev.domus.abi.flyweight.XenstoreDomainInterfaceFlyweight.REQ_OFFSET;
    public static final int XENSTORE_DOMAIN_INTERFACE_RSP_OFFSET = dev.domus.abi.flyweight.XenstoreDomainInterfaceFlyweight.RSP_OFFSET;
    public static final int XENSTORE_DOMAIN_INTERFACE_REQ_CONS_OFFSET = dev.domus.abi.flyweight.XenstoreDomainInterfaceFlyweight.REQ_CONS_OFFSET;
    public static final int XENSTORE_DOMAIN_INTERFACE_REQ_PROD_OFFSET = dev.domus.abi.flyweight.XenstoreDomainInterfaceFlyweight.REQ_PROD_OFFSET;
    public static final int XENSTORE_DOMAIN_INTERFACE_RSP_CONS_OFFSET = dev.domus.abi.flyweight.XenstoreDomainInterfaceFlyweight.RSP_CONS_OFFSET;
    public static final int XENSTORE_DOMAIN_INTERFACE_RSP_PROD_OFFSET = dev.domus.abi.flyweight.XenstoreDomainInterfaceFlyweight.RSP_PROD_OFFSET;

    // ---- io/xenbus.h
    public static final int XenbusStateUnknown = dev.domus.abi.XenbusState.XenbusStateUnknown;
    public static final int XenbusStateInitialising = dev.domus.abi.XenbusState.XenbusStateInitialising;
    public static final int XenbusStateInitWait = dev.domus.abi.XenbusState.XenbusStateInitWait;
    public static final int XenbusStateInitialised = dev.domus.abi.XenbusState.XenbusStateInitialised;
    public static final int XenbusStateConnected = dev.domus.abi.XenbusState.XenbusStateConnected;
    public static final int XenbusStateClosing = dev.domus.abi.XenbusState.XenbusStateClosing;
    public static final int XenbusStateClosed = dev.domus.abi.XenbusState.XenbusStateClosed;

    // ---- io/blkif.h
    public static final int BLKIF_OP_READ = dev.domus.abi.Blkif.BLKIF_OP_READ;
    public static final int BLKIF_OP_WRITE = dev.domus.abi.Blkif.BLKIF_OP_WRITE;
    public static final int BLKIF_OP_FLUSH_DISKCACHE = dev.domus.abi.Blkif.BLKIF_OP_FLUSH_DISKCACHE;
    public static final int BLKIF_RSP_EOPNOTSUPP = dev.domus.abi.Blkif.BLKIF_RSP_EOPNOTSUPP;
    public static final int BLKIF_RSP_ERROR = dev.domus.abi.Blkif.BLKIF_RSP_ERROR;
    public static final int BLKIF_RSP_OKAY = dev.domus.abi.Blkif.BLKIF_RSP_OKAY;
    public static final int BLKIF_MAX_SEGMENTS_PER_REQUEST = dev.domus.abi.Blkif.BLKIF_MAX_SEGMENTS_PER_REQUEST;
    public static final int BLKIF_REQUEST_OPERATION_OFFSET = dev.domus.abi.flyweight.BlkifRequestFlyweight.OPERATION_OFFSET;
    public static final int BLKIF_REQUEST_NR_SEGMENTS_OFFSET = dev.domus.abi.flyweight.BlkifRequestFlyweight.NR_SEGMENTS_OFFSET;
    public static final int BLKIF_REQUEST_HANDLE_OFFSET = dev.domus.abi.flyweight.BlkifRequestFlyweight.HANDLE_OFFSET;
    public static final int BLKIF_REQUEST_ID_OFFSET = dev.domus.abi.flyweight.BlkifRequestFlyweight.ID_OFFSET;
    public static final int BLKIF_REQUEST_SECTOR_NUMBER_OFFSET = dev.domus.abi.flyweight.BlkifRequestFlyweight.SECTOR_NUMBER_OFFSET;
    public static final int BLKIF_REQUEST_SEG_OFFSET = dev.domus.abi.flyweight.BlkifRequestFlyweight.SEG_OFFSET;
    public static final int BLKIF_REQUEST_LENGTH = dev.domus.abi.flyweight.BlkifRequestFlyweight.LENGTH;
    public static final int BLKIF_REQUEST_SEGMENT_GREF_OFFSET = dev.domus.abi.flyweight.BlkifRequestSegmentFlyweight.GREF_OFFSET;
    public static final int BLKIF_REQUEST_SEGMENT_FIRST_SECT_OFFSET = dev.domus.abi.flyweight.BlkifRequestSegmentFlyweight.FIRST_SECT_OFFSET;
    public static final int BLKIF_REQUEST_SEGMENT_LAST_SECT_OFFSET = dev.domus.abi.flyweight.BlkifRequestSegmentFlyweight.LAST_SECT_OFFSET;
    public static final int BLKIF_REQUEST_SEGMENT_LENGTH = dev.domus.abi.flyweight.BlkifRequestSegmentFlyweight.LENGTH;
    public static final int BLKIF_RESPONSE_ID_OFFSET = dev.domus.abi.flyweight.BlkifResponseFlyweight.ID_OFFSET;
    public static final int BLKIF_RESPONSE_OPERATION_OFFSET = dev.domus.abi.flyweight.BlkifResponseFlyweight.OPERATION_OFFSET;
    public static final int BLKIF_RESPONSE_STATUS_OFFSET = dev.domus.abi.flyweight.BlkifResponseFlyweight.STATUS_OFFSET;
}
