#!/usr/bin/env python3
"""Generates the Agrona flyweights of dev.domus.abi.flyweight from Xen's public headers.

Run by hand (python3 hypercall-abi/tools/gen_flyweights.py) when the layouts change; the
output is committed source. The field lists below are written by hand (names, types and
IN/OUT directions from the headers' comments); every offset and size is gcc's offsetof and
sizeof against /usr/include/xen for x86_64, never typed in. StructLayoutHeaderTest checks
the committed classes against gcc again on every build.
"""
import os, re, subprocess, tempfile

OUT = os.path.join(os.path.dirname(__file__), "..", "src/main/java/dev/domus/abi/flyweight")

PRELUDE = """#define __XEN_TOOLS__ 1
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/sysctl.h>
#include <xen/domctl.h>
#include <xen/io/xs_wire.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/console.h>
/* The Domus extension (see dev.domus.abi.DomusAsync): not in Xen's headers. */
struct domus_async_request { uint64_t id; uint32_t op; uint32_t pad; uint64_t args[5]; uint64_t pad2; };
struct domus_async_response { uint64_t id; int64_t result; uint8_t pad[48]; };
/* The Domus extension XEN_DOMCTL_domus_kernel (see dev.domus.abi.DomusDomctl). */
struct xen_domctl_domus_kernel { uint64_t start_info_gpfn; uint64_t shared_info_gpfn; uint64_t kernel_class;
    uint32_t kernel_class_len; uint32_t classpath_len; uint64_t classpath; uint32_t flags; uint32_t error_len;
    uint64_t error_buf; uint64_t java_heap; };
"""

SCALARS = {  # kind -> (java type, bytes, getter, setter, mask)
    "u8": ("int", 1), "i8": ("int", 1), "u16": ("int", 2), "i16": ("int", 2),
    "u32": ("int", 4), "i32": ("int", 4), "u64": ("long", 8), "i64": ("long", 8),
}


class F:
    def __init__(self, path, kind, dir, doc="", name=None, elem=None):
        self.path, self.kind, self.dir, self.doc, self.elem = path, kind, dir, doc, elem
        self.top = "." not in path and "[" not in path
        parts = [p for p in path.replace("[", ".").replace("]", "").split(".") if p != "u" or path.count(".") == 0]
        self.name = name or (parts[0].lstrip("_") + "".join(p[:1].upper() + p[1:] for p in parts[1:]))
        self.name = re.sub(r"_(\w)", lambda m: m.group(1).upper(), self.name)
        self.const = re.sub(r"[.\[\]]+", "_", path).strip("_").upper()


class S:
    def __init__(self, name, cls, ctype, header, doc, fields, extra=None):
        self.name, self.cls, self.ctype, self.header, self.doc, self.fields = name, cls, ctype, header, doc, fields
        self.extra = extra or []   # (CONST, c expression, comment)


def sub(path, kind, dir, doc="", name=None):
    return F(path, kind, dir, doc, name)


STRUCTS = [
    S("multicall_entry", "MulticallEntryFlyweight", "struct multicall_entry", "xen.h",
      "One call of a {@code __HYPERVISOR_multicall} batch.",
      [F("op", "u64", "IN", "hypercall number"), F("result", "u64", "OUT", "the call's return value"),
       F("args", "u64[]", "IN", "its arguments")]),
    S("mmu_update", "MmuUpdateFlyweight", "struct mmu_update", "xen.h",
      "One request of {@code __HYPERVISOR_mmu_update}.",
      [F("ptr", "u64", "IN", "machine address of the PTE (low bits: MMU_* command)"),
       F("val", "u64", "IN", "new contents of the PTE")]),
    S("evtchn_alloc_unbound", "EvtchnAllocUnboundFlyweight", "struct evtchn_alloc_unbound", "event_channel.h",
      "EVTCHNOP_alloc_unbound: allocate a port for a remote domain to bind to later.",
      [F("dom", "u16", "IN", "domain that owns the new port (DOMID_SELF or, privileged, any)"),
       F("remote_dom", "u16", "IN", "the only domain allowed to bind it"),
       F("port", "u32", "OUT", "the new port")]),
    S("evtchn_bind_interdomain", "EvtchnBindInterdomainFlyweight", "struct evtchn_bind_interdomain", "event_channel.h",
      "EVTCHNOP_bind_interdomain: connect a local port to a remote domain's unbound port.",
      [F("remote_dom", "u16", "IN"), F("remote_port", "u32", "IN"), F("local_port", "u32", "OUT")]),
    S("evtchn_bind_virq", "EvtchnBindVirqFlyweight", "struct evtchn_bind_virq", "event_channel.h",
      "EVTCHNOP_bind_virq: bind a virtual interrupt to a port on a vCPU.",
      [F("virq", "u32", "IN", "VIRQ_*"), F("vcpu", "u32", "IN"), F("port", "u32", "OUT")]),
    S("evtchn_bind_ipi", "EvtchnBindIpiFlyweight", "struct evtchn_bind_ipi", "event_channel.h",
      "EVTCHNOP_bind_ipi: a port for inter-vCPU notification within the domain.",
      [F("vcpu", "u32", "IN"), F("port", "u32", "OUT")]),
    S("evtchn_close", "EvtchnCloseFlyweight", "struct evtchn_close", "event_channel.h",
      "EVTCHNOP_close: close a local port.", [F("port", "u32", "IN")]),
    S("evtchn_send", "EvtchnSendFlyweight", "struct evtchn_send", "event_channel.h",
      "EVTCHNOP_send: notify the remote end of a local port.", [F("port", "u32", "IN")]),
    S("evtchn_status", "EvtchnStatusFlyweight", "struct evtchn_status", "event_channel.h",
      "EVTCHNOP_status: the state of a port.",
      [F("dom", "u16", "IN"), F("port", "u32", "IN"), F("status", "u32", "OUT", "EVTCHNSTAT_*"),
       F("vcpu", "u32", "OUT", "vCPU to which the port is bound"),
       F("u", "bytes", "OUT", "per-status union"),
       sub("u.unbound.dom", "u16", "OUT", "EVTCHNSTAT_unbound: the remote domain allowed to bind"),
       sub("u.interdomain.dom", "u16", "OUT", "EVTCHNSTAT_interdomain: remote domain"),
       sub("u.interdomain.port", "u32", "OUT", "EVTCHNSTAT_interdomain: remote port"),
       sub("u.pirq", "u32", "OUT", "EVTCHNSTAT_pirq"), sub("u.virq", "u32", "OUT", "EVTCHNSTAT_virq")]),
    S("evtchn_unmask", "EvtchnUnmaskFlyweight", "struct evtchn_unmask", "event_channel.h",
      "EVTCHNOP_unmask: unmask a port, re-raising it if pending.", [F("port", "u32", "IN")]),
    S("grant_entry_v1", "GrantEntryV1Flyweight", "struct grant_entry_v1", "grant_table.h",
      "One entry of a domain's version-1 grant table (in the granting domain's memory).",
      [F("flags", "u16", "IN/OUT", "GTF_*: type and flags; GTF_reading/GTF_writing are Xen's"),
       F("domid", "u16", "IN", "the domain being granted access"),
       F("frame", "u32", "IN", "the granted frame (GFN)")]),
    S("gnttab_setup_table", "GnttabSetupTableFlyweight", "struct gnttab_setup_table", "grant_table.h",
      "GNTTABOP_setup_table: size the grant table and list its frames.",
      [F("dom", "u16", "IN"), F("nr_frames", "u32", "IN"), F("status", "i16", "OUT", "GNTST_*"),
       F("frame_list", "u64", "OUT", "guest handle of an array of xen_pfn_t")]),
    S("gnttab_query_size", "GnttabQuerySizeFlyweight", "struct gnttab_query_size", "grant_table.h",
      "GNTTABOP_query_size: current and maximum grant-table frames.",
      [F("dom", "u16", "IN"), F("nr_frames", "u32", "OUT"), F("max_nr_frames", "u32", "OUT"),
       F("status", "i16", "OUT", "GNTST_*")]),
    S("gnttab_map_grant_ref", "GnttabMapGrantRefFlyweight", "struct gnttab_map_grant_ref", "grant_table.h",
      "GNTTABOP_map_grant_ref: map another domain's granted frame.",
      [F("host_addr", "u64", "IN"), F("flags", "u32", "IN", "GNTMAP_*"), F("ref", "u32", "IN"),
       F("dom", "u16", "IN"), F("status", "i16", "OUT", "GNTST_*"), F("handle", "u32", "OUT"),
       F("dev_bus_addr", "u64", "OUT")]),
    S("gnttab_unmap_grant_ref", "GnttabUnmapGrantRefFlyweight", "struct gnttab_unmap_grant_ref", "grant_table.h",
      "GNTTABOP_unmap_grant_ref: undo a mapping by its handle.",
      [F("host_addr", "u64", "IN"), F("dev_bus_addr", "u64", "IN"), F("handle", "u32", "IN"),
       F("status", "i16", "OUT", "GNTST_*")]),
    S("gnttab_copy", "GnttabCopyFlyweight", "struct gnttab_copy", "grant_table.h",
      "GNTTABOP_copy: copy between frames named by grant reference or by GFN.",
      [F("source", "bytes", "IN"),
       sub("source.u.ref", "u32", "IN", "source grant ref (GNTCOPY_source_gref)", "sourceRef"),
       sub("source.u.gmfn", "u64", "IN", "source GFN (no GNTCOPY_source_gref)", "sourceGmfn"),
       sub("source.domid", "u16", "IN", "", "sourceDomid"), sub("source.offset", "u16", "IN", "", "sourceOffset"),
       F("dest", "bytes", "IN"),
       sub("dest.u.ref", "u32", "IN", "destination grant ref (GNTCOPY_dest_gref)", "destRef"),
       sub("dest.u.gmfn", "u64", "IN", "destination GFN (no GNTCOPY_dest_gref)", "destGmfn"),
       sub("dest.domid", "u16", "IN", "", "destDomid"), sub("dest.offset", "u16", "IN", "", "destOffset"),
       F("len", "u16", "IN"), F("flags", "u16", "IN", "GNTCOPY_*"), F("status", "i16", "OUT", "GNTST_*")]),
    S("sched_shutdown", "SchedShutdownFlyweight", "struct sched_shutdown", "sched.h",
      "SCHEDOP_shutdown / SCHEDOP_shutdown_code.", [F("reason", "u32", "IN", "SHUTDOWN_*")]),
    S("sched_poll", "SchedPollFlyweight", "struct sched_poll", "sched.h",
      "SCHEDOP_poll: block until one of the ports is pending or the timeout passes.",
      [F("ports", "u64", "IN", "guest handle of an array of evtchn_port_t"),
       F("nr_ports", "u32", "IN"), F("timeout", "u64", "IN", "absolute system time, 0 = none")]),
    S("sched_remote_shutdown", "SchedRemoteShutdownFlyweight", "struct sched_remote_shutdown", "sched.h",
      "SCHEDOP_remote_shutdown (privileged).",
      [F("domain_id", "u16", "IN"), F("reason", "u32", "IN", "SHUTDOWN_*")]),
    S("xen_memory_reservation", "XenMemoryReservationFlyweight", "struct xen_memory_reservation", "memory.h",
      "XENMEM_increase_reservation, XENMEM_decrease_reservation and XENMEM_populate_physmap.",
      [F("extent_start", "u64", "IN/OUT", "guest handle of an array of xen_pfn_t"),
       F("nr_extents", "u64", "IN"), F("extent_order", "u32", "IN"),
       F("mem_flags", "u32", "IN", "XENMEMF_*"), F("domid", "u16", "IN", "DOMID_SELF or, privileged, any")]),
    S("xencons_interface", "XenconsInterfaceFlyweight", "struct xencons_interface", "io/console.h",
      "The console ring page shared between a domain and its console backend.",
      [F("in", "u8[]", "IN", "backend to guest bytes"), F("out", "u8[]", "OUT", "guest to backend bytes"),
       F("in_cons", "u32", "OUT"), F("in_prod", "u32", "IN"), F("out_cons", "u32", "IN"),
       F("out_prod", "u32", "OUT")]),
    S("xsd_sockmsg", "XsdSockmsgFlyweight", "struct xsd_sockmsg", "io/xs_wire.h",
      "The 16-byte header of every xenstore message, followed by {@code len} bytes of payload.",
      [F("type", "u32", "IN/OUT", "XS_*"), F("req_id", "u32", "IN/OUT", "echoed in the daemon's response"),
       F("tx_id", "u32", "IN/OUT", "transaction id, 0 if none"), F("len", "u32", "IN/OUT", "payload length")]),
    S("blkif_request_segment", "BlkifRequestSegmentFlyweight", "struct blkif_request_segment", "io/blkif.h",
      "One segment of a blkif request: a granted frame and the sectors in it.",
      [F("gref", "u32", "IN"), F("first_sect", "u8", "IN"), F("last_sect", "u8", "IN")]),
    S("blkif_request", "BlkifRequestFlyweight", "struct blkif_request", "io/blkif.h",
      "A block request on a blkif ring (frontend to backend).",
      [F("operation", "u8", "IN", "BLKIF_OP_*"), F("nr_segments", "u8", "IN"),
       F("handle", "u16", "IN", "only for read/write requests"), F("id", "u64", "IN", "echoed in the response"),
       F("sector_number", "u64", "IN", "start sector on disk"),
       F("seg", "bytes", "IN", "blkif_request_segment[BLKIF_MAX_SEGMENTS_PER_REQUEST]",
         elem="BlkifRequestSegmentFlyweight")]),
    S("blkif_response", "BlkifResponseFlyweight", "struct blkif_response", "io/blkif.h",
      "A block response on a blkif ring (backend to frontend).",
      [F("id", "u64", "OUT", "copied from the request"), F("operation", "u8", "OUT", "copied from the request"),
       F("status", "i16", "OUT", "BLKIF_RSP_*")]),
    S("blkif_sring", "BlkifSringFlyweight", "struct blkif_sring", "io/ring.h",
      "The io/ring.h shared-ring header (here blkif's; every io/ring.h ring has the same 64-byte\n"
      " * header, so the Domus async ring uses it too). Entries start at {@link #RING_OFFSET}; {@link #LENGTH} is\n"
      " * C's sizeof, the header plus one entry, and {@link #RING_SIZE} the bytes of C's {@code ring[1]}\n"
      " * (one entry), not io/ring.h's RING_SIZE: a one-page blkif ring holds {@code Blkif.BLK_RING_SIZE} entries.",
      [F("req_prod", "u32", "IN/OUT", "written by the frontend"), F("req_event", "u32", "IN/OUT", "written by the backend"),
       F("rsp_prod", "u32", "IN/OUT", "written by the backend"), F("rsp_event", "u32", "IN/OUT", "written by the frontend"),
       F("pvt", "bytes", "IN/OUT", "private to the protocol"), F("__pad", "bytes", "IN/OUT"),
       F("ring", "bytes", "IN/OUT", "the entries: union of request and response")],
      extra=[("ENTRY_SIZE", "sizeof(union blkif_sring_entry)", "Size of one ring entry, a union of request and response.")]),
    S("vcpu_time_info", "VcpuTimeInfoFlyweight", "struct vcpu_time_info", "xen.h",
      "A vCPU's time base; the guest reads it under the version seqlock (odd = being updated).",
      [F("version", "u32", "OUT"), F("pad0", "u32", "OUT"), F("tsc_timestamp", "u64", "OUT"),
       F("system_time", "u64", "OUT", "ns since boot at tsc_timestamp"),
       F("tsc_to_system_mul", "u32", "OUT"), F("tsc_shift", "i8", "OUT"), F("flags", "u8", "OUT", "XEN_PVCLOCK_*"),
       F("pad1", "bytes", "OUT")]),
    S("vcpu_info", "VcpuInfoFlyweight", "struct vcpu_info", "xen.h",
      "Per-vCPU event state in shared_info.",
      [F("evtchn_upcall_pending", "u8", "IN/OUT", "set by Xen when an event is pending, cleared by the guest"),
       F("evtchn_upcall_mask", "u8", "IN", "guest's event mask"),
       F("evtchn_pending_sel", "u64", "IN/OUT", "one bit per word of evtchn_pending with a pending port"),
       F("arch", "bytes", "IN/OUT", "struct arch_vcpu_info"),
       F("time", "bytes", "OUT", "struct vcpu_time_info", elem="VcpuTimeInfoFlyweight")]),
    S("shared_info", "SharedInfoFlyweight", "struct shared_info", "xen.h",
      "The page Xen shares with every domain: vCPU event state, 2-level event bitmaps, wall clock.",
      [F("vcpu_info", "bytes", "IN/OUT", "vcpu_info[XEN_LEGACY_MAX_VCPUS]", elem="VcpuInfoFlyweight"),
       F("evtchn_pending", "u64[]", "IN/OUT", "one bit per port, set by Xen, cleared by the guest"),
       F("evtchn_mask", "u64[]", "IN", "one bit per port, the guest's mask"),
       F("wc_version", "u32", "OUT", "wall clock seqlock"), F("wc_sec", "u32", "OUT"), F("wc_nsec", "u32", "OUT"),
       F("wc_sec_hi", "u32", "OUT"), F("arch", "bytes", "OUT", "struct arch_shared_info")]),
    S("start_info", "StartInfoFlyweight", "struct start_info", "xen.h",
      "The start_info page a PV kernel finds at boot (x86_64). Written by the domain builder.",
      [F("magic", "char[]", "OUT", "\"xen-3.0-x86_64\""), F("nr_pages", "u64", "OUT"),
       F("shared_info", "u64", "OUT", "machine address of the shared_info page"),
       F("flags", "u32", "OUT", "SIF_*"), F("store_mfn", "u64", "OUT", "xenstore ring frame"),
       F("store_evtchn", "u32", "OUT"), F("console", "bytes", "OUT"),
       sub("console.domU.mfn", "u64", "OUT", "console ring frame", "consoleMfn"),
       sub("console.domU.evtchn", "u32", "OUT", "console event channel", "consoleEvtchn"),
       sub("console.dom0.info_off", "u32", "OUT", "dom0: offset of console_info", "consoleInfoOff"),
       sub("console.dom0.info_size", "u32", "OUT", "dom0: size of console_info", "consoleInfoSize"),
       F("pt_base", "u64", "OUT"), F("nr_pt_frames", "u64", "OUT"), F("mfn_list", "u64", "OUT"),
       F("mod_start", "u64", "OUT"), F("mod_len", "u64", "OUT"),
       F("cmd_line", "char[]", "OUT", "the kernel command line"),
       F("first_p2m_pfn", "u64", "OUT"), F("nr_p2m_frames", "u64", "OUT")]),
    S("xen_domctl", "XenDomctlFlyweight", "struct xen_domctl", "domctl.h",
      "The header of every {@code __HYPERVISOR_domctl} call; the command's struct starts at\n"
      " * {@link #U_OFFSET}. Privileged (domid 0).",
      [F("cmd", "u32", "IN", "XEN_DOMCTL_*"), F("interface_version", "u32", "IN", "XEN_DOMCTL_INTERFACE_VERSION"),
       F("domain", "u16", "IN"), F("_pad", "bytes", "IN"), F("u", "bytes", "IN/OUT", "the command's struct")]),
    S("xen_domctl_createdomain", "DomctlCreateDomainFlyweight", "struct xen_domctl_createdomain", "domctl.h",
      "XEN_DOMCTL_createdomain (at XenDomctlFlyweight.U_OFFSET).",
      [F("ssidref", "u32", "IN"), F("handle", "u8[]", "IN", "UUID"), F("flags", "u32", "IN", "XEN_DOMCTL_CDF_*"),
       F("iommu_opts", "u32", "IN"), F("max_vcpus", "u32", "IN"), F("max_evtchn_port", "u32", "IN"),
       F("max_grant_frames", "i32", "IN"), F("max_maptrack_frames", "i32", "IN"), F("grant_opts", "u32", "IN"),
       F("vmtrace_size", "u32", "IN"), F("cpupool_id", "u32", "IN"), F("arch", "bytes", "IN")]),
    S("xen_domctl_getdomaininfo", "DomctlGetDomainInfoFlyweight", "struct xen_domctl_getdomaininfo", "domctl.h",
      "XEN_DOMCTL_getdomaininfo (also the element of XEN_SYSCTL_getdomaininfolist).",
      [F("domain", "u16", "OUT"), F("flags", "u32", "OUT", "XEN_DOMINF_*"), F("tot_pages", "u64", "OUT"),
       F("max_pages", "u64", "OUT"), F("outstanding_pages", "u64", "OUT"), F("shr_pages", "u64", "OUT"),
       F("paged_pages", "u64", "OUT"), F("shared_info_frame", "u64", "OUT"), F("cpu_time", "u64", "OUT"),
       F("nr_online_vcpus", "u32", "OUT"), F("max_vcpu_id", "u32", "OUT"), F("ssidref", "u32", "OUT"),
       F("handle", "u8[]", "OUT"), F("cpupool", "u32", "OUT"), F("gpaddr_bits", "u8", "OUT"),
       F("pad2", "bytes", "OUT"), F("arch_config", "bytes", "OUT")]),
    S("xen_domctl_max_mem", "DomctlMaxMemFlyweight", "struct xen_domctl_max_mem", "domctl.h",
      "XEN_DOMCTL_max_mem.", [F("max_memkb", "u64", "IN")]),
    S("xen_domctl_max_vcpus", "DomctlMaxVcpusFlyweight", "struct xen_domctl_max_vcpus", "domctl.h",
      "XEN_DOMCTL_max_vcpus.", [F("max", "u32", "IN")]),
    S("xen_domctl_scheduler_op", "DomctlSchedulerOpFlyweight", "struct xen_domctl_scheduler_op", "domctl.h",
      "XEN_DOMCTL_scheduler_op: get or set a domain's scheduler parameters.",
      [F("sched_id", "u32", "IN", "XEN_SCHEDULER_*"), F("cmd", "u32", "IN", "XEN_DOMCTL_SCHEDOP_*"),
       F("u", "bytes", "IN/OUT", "per-scheduler parameters"),
       sub("u.credit.weight", "u16", "IN/OUT"), sub("u.credit.cap", "u16", "IN/OUT"),
       sub("u.credit2.weight", "u16", "IN/OUT"), sub("u.credit2.cap", "u16", "IN/OUT"),
       sub("u.rtds.period", "u32", "IN/OUT", "us"), sub("u.rtds.budget", "u32", "IN/OUT", "us")]),
    S("xen_domctl_vcpuaffinity", "DomctlVcpuAffinityFlyweight", "struct xen_domctl_vcpuaffinity", "domctl.h",
      "XEN_DOMCTL_setvcpuaffinity / getvcpuaffinity.",
      [F("vcpu", "u32", "IN"), F("flags", "u32", "IN", "XEN_VCPUAFFINITY_*"),
       F("cpumap_hard", "bytes", "IN/OUT", "struct xenctl_bitmap"),
       sub("cpumap_hard.bitmap", "u64", "IN", "guest handle of the bitmap bytes"),
       sub("cpumap_hard.nr_bits", "u32", "IN"),
       F("cpumap_soft", "bytes", "IN/OUT", "struct xenctl_bitmap"),
       sub("cpumap_soft.bitmap", "u64", "IN", "guest handle of the bitmap bytes"),
       sub("cpumap_soft.nr_bits", "u32", "IN")]),
    S("xen_domctl_shadow_op", "DomctlShadowOpFlyweight", "struct xen_domctl_shadow_op", "domctl.h",
      "XEN_DOMCTL_shadow_op: log-dirty mode for save and live migration.",
      [F("op", "u32", "IN", "XEN_DOMCTL_SHADOW_OP_*"), F("mode", "u32", "IN", "XEN_DOMCTL_SHADOW_ENABLE_*"),
       F("mb", "u32", "IN/OUT", "shadow memory allocation in MB"),
       F("dirty_bitmap", "u64", "IN", "guest handle of the dirty bitmap"),
       F("pages", "u64", "IN/OUT", "size of the buffer; number of pages"),
       F("stats", "bytes", "OUT"), sub("stats.fault_count", "u32", "OUT"), sub("stats.dirty_count", "u32", "OUT")]),
    S("xen_sysctl", "XenSysctlFlyweight", "struct xen_sysctl", "sysctl.h",
      "The header of every {@code __HYPERVISOR_sysctl} call; the command's struct starts at\n"
      " * {@link #U_OFFSET}. Privileged (domid 0).",
      [F("cmd", "u32", "IN", "XEN_SYSCTL_*"), F("interface_version", "u32", "IN", "XEN_SYSCTL_INTERFACE_VERSION"),
       F("u", "bytes", "IN/OUT", "the command's struct")]),
    S("xen_sysctl_physinfo", "SysctlPhysinfoFlyweight", "struct xen_sysctl_physinfo", "sysctl.h",
      "XEN_SYSCTL_physinfo: the host's CPUs and memory.",
      [F("threads_per_core", "u32", "OUT"), F("cores_per_socket", "u32", "OUT"), F("nr_cpus", "u32", "OUT"),
       F("max_cpu_id", "u32", "OUT"), F("nr_nodes", "u32", "OUT"), F("max_node_id", "u32", "OUT"),
       F("cpu_khz", "u32", "OUT"), F("capabilities", "u32", "OUT", "XEN_SYSCTL_PHYSCAP_*"),
       F("arch_capabilities", "u32", "OUT"), F("pad", "u32", "OUT"), F("total_pages", "u64", "OUT"),
       F("free_pages", "u64", "OUT"), F("scrub_pages", "u64", "OUT"), F("outstanding_pages", "u64", "OUT"),
       F("max_mfn", "u64", "OUT"), F("hw_cap", "u32[]", "OUT")]),
    S("xen_sysctl_getdomaininfolist", "SysctlGetDomainInfoListFlyweight", "struct xen_sysctl_getdomaininfolist", "sysctl.h",
      "XEN_SYSCTL_getdomaininfolist: xen_domctl_getdomaininfo for domains from first_domain on.",
      [F("first_domain", "u16", "IN"), F("max_domains", "u32", "IN"),
       F("buffer", "u64", "IN", "guest handle of xen_domctl_getdomaininfo[max_domains]"),
       F("num_domains", "u32", "OUT")]),
    S("xen_sysctl_sched_id", "SysctlSchedIdFlyweight", "struct xen_sysctl_sched_id", "sysctl.h",
      "XEN_SYSCTL_sched_id: the host's scheduler.", [F("sched_id", "u32", "OUT", "XEN_SCHEDULER_*")]),
    S("xenstore_domain_interface", "XenstoreDomainInterfaceFlyweight", "struct xenstore_domain_interface",
      "io/xs_wire.h", "The xenstore ring page shared between a domain and xenstored.",
      [F("req", "u8[]", "OUT", "requests to the xenstore daemon"), F("rsp", "u8[]", "IN", "replies and watch events"),
       F("req_cons", "u32", "IN"), F("req_prod", "u32", "OUT"), F("rsp_cons", "u32", "OUT"),
       F("rsp_prod", "u32", "IN"), F("server_features", "u32", "IN", "XENSTORE_SERVER_FEATURE_*"),
       F("connection", "u32", "IN/OUT", "XENSTORE_CONNECTED or XENSTORE_RECONNECT"),
       F("error", "u32", "IN", "XENSTORE_ERROR_*")]),
    S("vcpu_set_singleshot_timer", "VcpuSetSingleshotTimerFlyweight", "struct vcpu_set_singleshot_timer", "vcpu.h",
      "VCPUOP_set_singleshot_timer.",
      [F("timeout_abs_ns", "u64", "IN", "absolute system time in ns"), F("flags", "u32", "IN", "VCPU_SSHOTTMR_*")]),
    S("vcpu_set_periodic_timer", "VcpuSetPeriodicTimerFlyweight", "struct vcpu_set_periodic_timer", "vcpu.h",
      "VCPUOP_set_periodic_timer.", [F("period_ns", "u64", "IN")]),
    S("vcpu_runstate_info", "VcpuRunstateInfoFlyweight", "struct vcpu_runstate_info", "vcpu.h",
      "VCPUOP_get_runstate_info: time a vCPU spent in each RUNSTATE_*.",
      [F("state", "i32", "OUT", "RUNSTATE_*"), F("state_entry_time", "u64", "OUT", "system time (ns) the state was entered"),
       F("time", "u64[]", "OUT", "ns spent in each RUNSTATE_*")]),
    S("evtchn_bind_vcpu", "EvtchnBindVcpuFlyweight", "struct evtchn_bind_vcpu", "event_channel.h",
      "EVTCHNOP_bind_vcpu: deliver a port's events to another vCPU.",
      [F("port", "u32", "IN"), F("vcpu", "u32", "IN")]),
    S("xen_feature_info", "XenFeatureInfoFlyweight", "struct xen_feature_info", "version.h",
      "XENVER_get_features.", [F("submap_idx", "u32", "IN", "which 32-bit submap"), F("submap", "u32", "OUT")]),
    S("xen_add_to_physmap", "XenAddToPhysmapFlyweight", "struct xen_add_to_physmap", "memory.h",
      "XENMEM_add_to_physmap: map a frame of a space (shared_info, grant table, ...) at a GPFN.",
      [F("domid", "u16", "IN"), F("size", "u16", "IN", "pages, for XENMAPSPACE_gmfn_range"),
       F("space", "u32", "IN", "XENMAPSPACE_*"), F("idx", "u64", "IN", "index into the space"),
       F("gpfn", "u64", "IN", "where the page appears")]),
    S("xen_memory_exchange", "XenMemoryExchangeFlyweight", "struct xen_memory_exchange", "memory.h",
      "XENMEM_exchange: trade extents for others of another size or placement. {@code in} and {@code out}\n"
      " * are xen_memory_reservation structs: wrap a {@link XenMemoryReservationFlyweight} at their offsets.",
      [F("in", "bytes", "IN"), F("out", "bytes", "IN/OUT"), F("nr_exchanged", "u64", "OUT")]),
    S("xen_domctl_getvcpuinfo", "DomctlGetVcpuInfoFlyweight", "struct xen_domctl_getvcpuinfo", "domctl.h",
      "XEN_DOMCTL_getvcpuinfo.",
      [F("vcpu", "u32", "IN"), F("online", "u8", "OUT"), F("blocked", "u8", "OUT"), F("running", "u8", "OUT"),
       F("cpu_time", "u64", "OUT", "ns"), F("cpu", "u32", "OUT", "the pCPU it runs on")]),
    S("xen_domctl_domus_kernel", "DomctlDomusKernelFlyweight", "struct xen_domctl_domus_kernel", None,
      "XEN_DOMCTL_domus_kernel, the Domus extension naming the Java kernel a domain runs (see\n"
      " * {@link dev.domus.abi.DomusDomctl}); at XenDomctlFlyweight.U_OFFSET. Privileged (domid 0).",
      [F("start_info_gpfn", "u64", "IN"), F("shared_info_gpfn", "u64", "IN"),
       F("kernel_class", "u64", "IN", "Dom0 guest address of the class name (UTF-8)"),
       F("kernel_class_len", "u32", "IN"), F("classpath_len", "u32", "IN", "0 = the host's"),
       F("classpath", "u64", "IN", "Dom0 guest address of the class path (UTF-8)"),
       F("flags", "u32", "IN", "DOMUS_KERNEL_*"), F("error_len", "u32", "IN/OUT"),
       F("error_buf", "u64", "IN", "Dom0 guest address for the refusal message, 0 = none"),
       F("java_heap", "u64", "IN", "the domain's Java heap quota in bytes, 0 = the default")]),
    S("domus_async_request", "DomusAsyncRequestFlyweight", "struct domus_async_request", None,
      "A request slot of the Domus async hypercall ring (see {@link dev.domus.abi.DomusAsync}).",
      [F("id", "u64", "IN", "the guest's tag, echoed in the response"), F("op", "u32", "IN", "hypercall number"),
       F("pad", "u32", "IN"), F("args", "u64[]", "IN"), F("pad2", "u64", "IN")]),
    S("domus_async_response", "DomusAsyncResponseFlyweight", "struct domus_async_response", None,
      "A response slot of the Domus async hypercall ring (see {@link dev.domus.abi.DomusAsync}).",
      [F("id", "u64", "OUT", "the request's id"), F("result", "i64", "OUT", ">= 0, or -XEN_E*"),
       F("pad", "bytes", "OUT")]),
]


def gcc_values(exprs):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "c.c")
        body = PRELUDE + "int main(void) {\n"
        for e in exprs:
            body += '    printf("%%lld\\n", (long long)(%s));\n' % e
        body += "    return 0;\n}\n"
        open(src, "w").write(body)
        subprocess.run(["gcc", "-o", os.path.join(d, "c"), src], check=True)
        out = subprocess.run([os.path.join(d, "c")], capture_output=True, text=True, check=True).stdout
        return [int(x) for x in out.split()]


def measure(s):
    exprs = ["sizeof(%s)" % s.ctype]
    for f in s.fields:
        exprs.append("offsetof(%s, %s)" % (s.ctype, f.path))
        exprs.append("sizeof(((%s *)0)->%s)" % (s.ctype, f.path))
        if f.kind.endswith("[]"):
            exprs.append("sizeof(((%s *)0)->%s[0])" % (s.ctype, f.path))
        else:
            exprs.append("0")
    for (_, e, _) in s.extra:
        exprs.append(e)
    v = gcc_values(exprs)
    s.length = v[0]
    for i, f in enumerate(s.fields):
        f.offset, f.size, esize = v[1 + 3 * i], v[2 + 3 * i], v[3 + 3 * i]
        if f.kind in SCALARS:
            assert f.size == SCALARS[f.kind][1], (s.name, f.path, f.size)
        if f.kind.endswith("[]"):
            want = {"u8[]": 1, "char[]": 1, "u32[]": 4, "u64[]": 8}[f.kind]
            assert esize == want, (s.name, f.path)
            f.count = f.size // esize
    s.extra_values = v[1 + 3 * len(s.fields):]


GET = {"u8": "buffer.getByte({o}) & 0xFF", "i8": "buffer.getByte({o})",
       "u16": "buffer.getShort({o}, LE) & 0xFFFF", "i16": "buffer.getShort({o}, LE)",
       "u32": "buffer.getInt({o}, LE)", "i32": "buffer.getInt({o}, LE)",
       "u64": "buffer.getLong({o}, LE)", "i64": "buffer.getLong({o}, LE)"}
PUT = {"u8": "buffer.putByte({o}, (byte) value)", "i8": "buffer.putByte({o}, (byte) value)",
       "u16": "buffer.putShort({o}, (short) value, LE)", "i16": "buffer.putShort({o}, (short) value, LE)",
       "u32": "buffer.putInt({o}, value, LE)", "i32": "buffer.putInt({o}, value, LE)",
       "u64": "buffer.putLong({o}, value, LE)", "i64": "buffer.putLong({o}, value, LE)"}
BYTES = {"u8": "Byte.BYTES", "i8": "Byte.BYTES", "u16": "Short.BYTES", "i16": "Short.BYTES",
         "u32": "Integer.BYTES", "i32": "Integer.BYTES", "u64": "Long.BYTES", "i64": "Long.BYTES"}
CTYPE = {"u8": "uint8_t", "i8": "int8_t", "u16": "uint16_t", "i16": "int16_t", "u32": "uint32_t",
         "i32": "int32_t", "u64": "uint64_t", "i64": "int64_t", "u8[]": "uint8_t[]", "char[]": "char[]",
         "u32[]": "uint32_t[]", "u64[]": "uint64_t[]", "bytes": "bytes"}


def gen(s):
    C = s.cls
    hdr = ("{@code xen/include/public/%s} (Xen 4.17)" % s.header) if s.header else "the Domus extension's own layout"
    L = []
    w = L.append
    w("package dev.domus.abi.flyweight;\n\n")
    w("import java.nio.ByteOrder;\nimport java.util.Objects;\n\nimport org.agrona.MutableDirectBuffer;\n\n")
    w("/**\n * Flyweight over {@code %s}, x86_64 layout, little-endian, from %s.\n * %s\n *\n" % (s.ctype, hdr, s.doc))
    w(" * <p>Fields (offset, C type, direction):\n * <ul>\n")
    for f in s.fields:
        ind = "   " if not f.top else ""
        w(" * <li>%s{@code %s} at %d, %s, %s%s</li>\n" % (ind, f.path, f.offset, CTYPE[f.kind] if not f.kind.endswith("[]") else CTYPE[f.kind].replace("[]", "[%d]" % f.count), f.dir,
                                                       (": " + f.doc.replace("<", "&lt;").replace(">", "&gt;")) if f.doc else ""))
    w(" * </ul>\n *\n * <p>Offsets and sizes are gcc's {@code offsetof}/{@code sizeof} against the installed headers\n")
    w(" * (generated by {@code hypercall-abi/tools/gen_flyweights.py}); guests use only the constants, which\n")
    w(" * javac inlines. Wraps a buffer without allocating; not thread-safe, one per thread.\n */\n")
    w("public final class %s {\n\n" % C)
    w("    /** {@code sizeof(%s)}. */\n    public static final int LENGTH = %d;\n" % (s.ctype, s.length))
    for f in s.fields:
        w("    /** Offset of {@code %s}. */\n    public static final int %s_OFFSET = %d;\n" % (f.path, f.const, f.offset))
        if f.kind == "bytes" or f.kind.endswith("[]"):
            w("    /** Size in bytes of {@code %s}. */\n    public static final int %s_SIZE = %d;\n" % (f.path, f.const, f.size))
        if f.kind.endswith("[]"):
            w("    /** Number of elements of {@code %s}. */\n    public static final int %s_COUNT = %d;\n" % (f.path, f.const, f.count))
    for (name, e, doc), v in zip(s.extra, s.extra_values):
        w("    /** %s */\n    public static final int %s = %d;\n" % (doc, name, v))
    w("\n    /** This struct's layout, as the ABI dump prints it. */\n")
    w('    public static final StructLayout LAYOUT = StructLayout.builder("%s", LENGTH)\n' % s.name)
    for f in s.fields:
        if not f.top:
            continue
        size = BYTES[f.kind] if f.kind in SCALARS else "%s_SIZE" % f.const
        w('            .field("%s", %s_OFFSET, %s)\n' % (f.path, f.const, size))
    w("            .build();\n\n")
    w("    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;\n\n")
    w("    private MutableDirectBuffer buffer;\n    private int offset;\n\n")
    w("    /** Points this flyweight at the struct starting at {@code offset} in {@code buffer}. */\n")
    w("    public %s wrap(MutableDirectBuffer buffer, int offset) {\n" % C)
    w("        this.buffer = buffer;\n        this.offset = offset;\n        return this;\n    }\n\n")
    w("    /** The buffer wrapped. */\n    public MutableDirectBuffer wrappedBuffer() {\n        return buffer;\n    }\n\n")
    w("    /** Where the struct starts in the wrapped buffer. */\n    public int wrappedOffset() {\n        return offset;\n    }\n")
    fields_ts = []
    for f in s.fields:
        o = "offset + %s_OFFSET" % f.const
        if f.kind in SCALARS:
            jt = SCALARS[f.kind][0]
            w("\n    /** {@code %s} (%s)%s. */\n" % (f.path, f.dir, (": " + esc(f.doc)) if f.doc else ""))
            w("    public %s %s() {\n        return %s;\n    }\n\n" % (jt, f.name, GET[f.kind].format(o=o)))
            w("    public %s %s(%s value) {\n        %s;\n        return this;\n    }\n" % (C, f.name, jt, PUT[f.kind].format(o=o)))
            fields_ts.append((f.path, f.name + "()"))
        elif f.kind in ("u8[]", "u32[]", "u64[]"):
            ek = {"u8[]": "u8", "u32[]": "u32", "u64[]": "u64"}[f.kind]
            jt = SCALARS[ek][0]
            eo = "offset + %s_OFFSET + Objects.checkIndex(index, %s_COUNT) * %s" % (f.const, f.const, BYTES[ek])
            w("\n    /** Element {@code index} of {@code %s} (%s)%s. */\n" % (f.path, f.dir, (": " + esc(f.doc)) if f.doc else ""))
            w("    public %s %s(int index) {\n        return %s;\n    }\n\n" % (jt, f.name, GET[ek].format(o=eo)))
            w("    public %s %s(int index, %s value) {\n        %s;\n        return this;\n    }\n" % (C, f.name, jt, PUT[ek].format(o=eo)))
            if f.size <= 64:
                fields_ts.append((f.path, None, f))
        elif f.kind == "char[]":
            w("\n    /** {@code %s} (%s) up to its first NUL, as ASCII%s. Allocates: a cold-path accessor. */\n" % (f.path, f.dir, (": " + esc(f.doc)) if f.doc else ""))
            w("    public String %s() {\n" % f.name)
            w("        int n = 0;\n        while (n < %s_SIZE && buffer.getByte(%s + n) != 0) {\n            n++;\n        }\n" % (f.const, o))
            w("        return buffer.getStringWithoutLengthAscii(%s, n);\n    }\n\n" % o)
            w("    /** Writes {@code value} NUL-terminated, truncated to fit; zeroes the rest of the field. */\n")
            w("    public %s %s(String value) {\n" % (C, f.name))
            w("        int n = Math.min(value.length(), %s_SIZE - 1);\n" % f.const)
            w("        buffer.setMemory(%s, %s_SIZE, (byte) 0);\n" % (o, f.const))
            w("        buffer.putStringWithoutLengthAscii(%s, value, 0, n);\n        return this;\n    }\n" % o)
            fields_ts.append((f.path, f.name + "()"))
        elif f.kind == "bytes" and f.elem:
            w("\n    /** Buffer offset of element {@code index} of {@code %s}, for wrapping a {@link %s}. */\n" % (f.path, f.elem))
            w("    public int %sOffset(int index) {\n" % f.name)
            w("        return offset + %s_OFFSET + Objects.checkIndex(index, %s_SIZE / %s.LENGTH) * %s.LENGTH;\n    }\n" % (f.const, f.const, f.elem, f.elem))
    w("\n    @Override\n    public String toString() {\n")
    w('        StringBuilder sb = new StringBuilder("%s{");\n' % s.name)
    first = True
    for t in fields_ts:
        sep = "" if first else ", "
        first = False
        if t[1]:
            w('        sb.append("%s%s=").append(%s);\n' % (sep, t[0], t[1]))
        else:
            f = t[2]
            w('        sb.append("%s%s=[");\n' % (sep, f.path))
            w('        for (int i = 0; i < %s_COUNT; i++) {\n            sb.append(i == 0 ? "" : ", ").append(%s(i));\n        }\n' % (f.const, f.name))
            w('        sb.append("]");\n')
    w('        return sb.append("}").toString();\n    }\n}\n')
    open(os.path.join(OUT, C + ".java"), "w").write("".join(L))


def esc(t):
    return t.replace("<", "&lt;").replace(">", "&gt;").replace("@", "&#64;")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for s in STRUCTS:
        measure(s)
        gen(s)
    # Every offset/size constant with the C member it stands for, for HeaderLayoutTest to
    # check each one (nested and union members included) against gcc.
    res = os.path.join(os.path.dirname(__file__), "..", "src/test/resources/dev/domus/abi/flyweight-fields.txt")
    os.makedirs(os.path.dirname(res), exist_ok=True)
    with open(res, "w") as out:
        out.write("# class constant ctype member (generated by hypercall-abi/tools/gen_flyweights.py)\n")
        for st in STRUCTS:
            if st.header is None:
                continue
            for f in st.fields:
                out.write("%s %s_OFFSET %s|offsetof(%s, %s)\n" % (st.cls, f.const, st.ctype, st.ctype, f.path))
                if f.kind == "bytes" or f.kind.endswith("[]"):
                    out.write("%s %s_SIZE %s|sizeof(((%s *)0)->%s)\n" % (st.cls, f.const, st.ctype, st.ctype, f.path))
            out.write("%s LENGTH %s|sizeof(%s)\n" % (st.cls, st.ctype, st.ctype))
            for (name, e, _) in st.extra:
                out.write("%s %s %s|%s\n" % (st.cls, name, st.ctype, e))
    # The registry the ABI dump walks: every flyweight's layout, in this order.
    L = ["package dev.domus.abi.flyweight;\n\nimport java.util.List;\n\n",
         "/** Every flyweight's layout, in a fixed order: what the ABI dump prints under \"structs\". */\n",
         "public final class Flyweights {\n\n    private Flyweights() {\n    }\n\n",
         "    /** The layouts of all flyweights of this package. */\n",
         "    public static final List<StructLayout> LAYOUTS = List.of(\n"]
    L.append(",\n".join("            %s.LAYOUT" % s.cls for s in STRUCTS))
    L.append(");\n}\n")
    open(os.path.join(OUT, "Flyweights.java"), "w").write("".join(L))
    print(len(STRUCTS), "flyweights")
