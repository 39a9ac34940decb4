package dev.domus.abi.dump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.domus.abi.Blkif;
import dev.domus.abi.DomusAsync;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.XenErrno;
import dev.domus.abi.XsWire;
import dev.domus.abi.flyweight.BlkifSringFlyweight;
import dev.domus.abi.flyweight.DomctlDomusKernelFlyweight;
import dev.domus.abi.flyweight.Flyweights;
import dev.domus.abi.flyweight.MulticallEntryFlyweight;
import dev.domus.abi.flyweight.StructLayout;

/** The ABI dump: valid JSON, DESIGN.md's shape, equal to the code's constants and layouts, complete. */
class AbiDumpTest {

    /** Every struct issue 3 and the brief name, with the names DESIGN.md gives them. */
    static final Set<String> REQUIRED_STRUCTS = Set.of(
            "multicall_entry", "mmu_update", "evtchn_alloc_unbound", "evtchn_bind_interdomain",
            "evtchn_bind_virq", "evtchn_bind_ipi", "evtchn_close", "evtchn_send", "evtchn_status",
            "evtchn_unmask", "grant_entry_v1", "gnttab_setup_table", "gnttab_query_size",
            "gnttab_map_grant_ref", "gnttab_unmap_grant_ref", "gnttab_copy", "sched_shutdown", "sched_poll",
            "sched_remote_shutdown", "xen_memory_reservation", "xencons_interface", "xsd_sockmsg",
            "blkif_request", "blkif_request_segment", "blkif_response", "blkif_sring", "start_info",
            "shared_info", "vcpu_info", "vcpu_time_info", "xen_domctl", "xen_domctl_createdomain",
            "xen_domctl_getdomaininfo", "xen_domctl_max_mem", "xen_domctl_max_vcpus", "xen_domctl_scheduler_op",
            "xen_domctl_vcpuaffinity", "xen_domctl_shadow_op", "xen_sysctl", "xen_sysctl_physinfo",
            "xen_sysctl_getdomaininfolist", "xen_sysctl_sched_id", "domus_async_request", "domus_async_response",
            // beyond the issue's list: what the SDK, xenstored and the core also use
            "xenstore_domain_interface", "vcpu_set_singleshot_timer", "vcpu_set_periodic_timer",
            "vcpu_runstate_info", "evtchn_bind_vcpu", "xen_feature_info", "xen_add_to_physmap",
            "xen_memory_exchange", "xen_domctl_getvcpuinfo", "xen_domctl_domus_kernel");

    /** The prefixes of every constant family issue 3 lists: each must have at least one member. */
    static final List<String> REQUIRED_PREFIXES = List.of(
            "__HYPERVISOR_", "XEN_E", "XENMEM_", "XENVER_", "CONSOLEIO_", "GNTTABOP_", "GTF_", "GNTMAP_", "GNTST_",
            "GNTCOPY_", "VCPUOP_", "SCHEDOP_", "SHUTDOWN_", "EVTCHNOP_", "EVTCHNSTAT_", "VIRQ_", "XEN_SYSCTL_",
            "XEN_DOMCTL_", "XEN_DOMCTL_SCHEDOP_", "XEN_DOMCTL_SHADOW_OP_", "XEN_SCHEDULER_", "MMU_", "XS_",
            "XenbusState", "BLKIF_OP_", "BLKIF_RSP_", "DOMUS_ASYNC_", "SIF_");

    /** Single names issue 3 and the brief spell out. */
    static final List<String> REQUIRED_NAMES = List.of(
            "__HYPERVISOR_memory_op", "__HYPERVISOR_multicall", "__HYPERVISOR_set_timer_op",
            "__HYPERVISOR_xen_version", "__HYPERVISOR_console_io", "__HYPERVISOR_grant_table_op",
            "__HYPERVISOR_vcpu_op", "__HYPERVISOR_sched_op", "__HYPERVISOR_event_channel_op",
            "__HYPERVISOR_sysctl", "__HYPERVISOR_domctl", "__HYPERVISOR_mmu_update", "__HYPERVISOR_domus_async_op",
            "XENMEM_increase_reservation", "XENMEM_decrease_reservation", "XENMEM_populate_physmap",
            "XENMEM_current_reservation", "XENMEM_maximum_reservation", "XENMEM_maximum_ram_page",
            "XENMEM_add_to_physmap", "XENMEM_exchange", "XENSTORE_PAYLOAD_MAX", "XENSTORE_ABS_PATH_MAX",
            "XENSTORE_REL_PATH_MAX", "XENSTORE_RING_SIZE", "BLKIF_MAX_SEGMENTS_PER_REQUEST", "BLK_RING_SIZE",
            "XEN_SYSCTL_INTERFACE_VERSION", "XEN_DOMCTL_INTERFACE_VERSION", "XEN_DOMCTL_createdomain",
            "XEN_DOMCTL_getdomaininfo", "XEN_DOMCTL_max_mem", "XEN_DOMCTL_max_vcpus", "XEN_DOMCTL_scheduler_op",
            "XEN_DOMCTL_setvcpuaffinity", "XEN_DOMCTL_shadow_op", "XEN_SYSCTL_physinfo",
            "XEN_SYSCTL_getdomaininfolist", "XEN_SYSCTL_sched_id", "XEN_SCHEDULER_CREDIT2",
            "XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY", "XS_TRANSACTION_START", "XenbusStateConnected",
            "EVTCHNOP_send", "VIRQ_TIMER", "GNTST_okay", "SHUTDOWN_suspend", "CONSOLEIO_write", "XENVER_version",
            "VCPUOP_set_singleshot_timer", "MMU_NORMAL_PT_UPDATE", "DOMID_SELF");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parsedDump() {
        Object root = MiniJson.parse(AbiDump.current().toJson());
        assertTrue(root instanceof Map, "the dump is a JSON object");
        Map<String, Object> m = (Map<String, Object>) root;
        assertEquals(List.of("constants", "structs"), List.copyOf(m.keySet()));
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> constants() {
        return (Map<String, Object>) parsedDump().get("constants");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> structs() {
        return (Map<String, Map<String, Object>>) parsedDump().get("structs");
    }

    private static long num(Object o) {
        return ((BigDecimal) o).longValueExact();
    }

    @Test
    void dumpHasDesignsShapeAndExampleValues() {
        Map<String, Object> constants = constants();
        assertEquals(13, num(constants.get("__HYPERVISOR_multicall")));
        assertEquals(22, num(constants.get("XEN_EINVAL")));
        assertEquals(4, num(constants.get("EVTCHNOP_send")));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> fields =
                (Map<String, Map<String, Object>>) structs().get("multicall_entry").get("fields");
        assertEquals(64, num(structs().get("multicall_entry").get("size")));
        assertEquals(List.of("op", "result", "args"), List.copyOf(fields.keySet()));
        assertEquals(Map.of("offset", BigDecimal.valueOf(0), "size", BigDecimal.valueOf(8)), fields.get("op"));
        assertEquals(Map.of("offset", BigDecimal.valueOf(16), "size", BigDecimal.valueOf(48)), fields.get("args"));
    }

    @Test
    void everyConstantOfTheCodeIsDumpedWithItsValue() throws IllegalAccessException {
        Map<String, Object> constants = constants();
        int seen = 0;
        for (Class<?> c : AbiDump.CONSTANT_CLASSES) {
            for (Field f : c.getFields()) {
                boolean constant = Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers());
                boolean layout = f.getName().endsWith("_OFFSET") || f.getName().equals("LENGTH");
                if (constant && !layout && (f.getType() == int.class || f.getType() == long.class)) {
                    assertTrue(constants.containsKey(f.getName()), f.getName() + " missing from the dump");
                    assertEquals(f.getLong(null), num(constants.get(f.getName())), f.getName());
                    seen++;
                }
            }
        }
        assertEquals(seen, constants.size(), "the dump has constants the code does not");
        // And by direct reference, so a broken reflection walk cannot pass unnoticed.
        assertEquals(Hypercalls.__HYPERVISOR_domus_async_op, num(constants.get("__HYPERVISOR_domus_async_op")));
        assertEquals(XenErrno.XEN_EFAULT, num(constants.get("XEN_EFAULT")));
        assertEquals(EventChannelOp.EVTCHNOP_bind_virq, num(constants.get("EVTCHNOP_bind_virq")));
        assertEquals(XsWire.XENSTORE_PAYLOAD_MAX, num(constants.get("XENSTORE_PAYLOAD_MAX")));
        assertEquals(Blkif.BLK_RING_SIZE, num(constants.get("BLK_RING_SIZE")));
        assertEquals(DomusAsync.DOMUS_ASYNC_notify, num(constants.get("DOMUS_ASYNC_notify")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyStructIsDumpedFromItsFlyweightLayout() {
        Map<String, Map<String, Object>> structs = structs();
        assertEquals(Flyweights.LAYOUTS.size(), structs.size());
        for (StructLayout s : Flyweights.LAYOUTS) {
            Map<String, Object> dumped = structs.get(s.name());
            assertEquals(s.size(), num(dumped.get("size")), s.name());
            Map<String, Map<String, Object>> fields = (Map<String, Map<String, Object>>) dumped.get("fields");
            assertEquals(s.fields().size(), fields.size(), s.name());
            for (StructLayout.Field f : s.fields()) {
                assertEquals(f.offset(), num(fields.get(f.name()).get("offset")), s.name() + "." + f.name());
                assertEquals(f.size(), num(fields.get(f.name()).get("size")), s.name() + "." + f.name());
            }
        }
        // Directly from the flyweights' constants.
        assertEquals(MulticallEntryFlyweight.LENGTH, num(structs.get("multicall_entry").get("size")));
        Map<String, Map<String, Object>> sring = (Map<String, Map<String, Object>>) structs.get("blkif_sring").get("fields");
        assertEquals(BlkifSringFlyweight.RING_OFFSET, num(sring.get("ring").get("offset")));
        assertEquals(64, BlkifSringFlyweight.RING_OFFSET);
    }

    /** DomusDomctl documents its struct with offset constants; the flyweight's must agree. */
    @Test
    void domusKernelDomctlLayoutAgreesWithItsFlyweight() {
        assertEquals(dev.domus.abi.DomusDomctl.LENGTH, DomctlDomusKernelFlyweight.LENGTH);
        assertEquals(dev.domus.abi.DomusDomctl.START_INFO_GPFN_OFFSET, DomctlDomusKernelFlyweight.START_INFO_GPFN_OFFSET);
        assertEquals(dev.domus.abi.DomusDomctl.SHARED_INFO_GPFN_OFFSET, DomctlDomusKernelFlyweight.SHARED_INFO_GPFN_OFFSET);
        assertEquals(dev.domus.abi.DomusDomctl.KERNEL_CLASS_OFFSET, DomctlDomusKernelFlyweight.KERNEL_CLASS_OFFSET);
        assertEquals(dev.domus.abi.DomusDomctl.KERNEL_CLASS_LEN_OFFSET, DomctlDomusKernelFlyweight.KERNEL_CLASS_LEN_OFFSET);
        assertEquals(dev.domus.abi.DomusDomctl.CLASSPATH_LEN_OFFSET, DomctlDomusKernelFlyweight.CLASSPATH_LEN_OFFSET);
        assertEquals(dev.domus.abi.DomusDomctl.CLASSPATH_OFFSET, DomctlDomusKernelFlyweight.CLASSPATH_OFFSET);
        assertEquals(dev.domus.abi.DomusDomctl.FLAGS_OFFSET, DomctlDomusKernelFlyweight.FLAGS_OFFSET);
        assertEquals(dev.domus.abi.DomusDomctl.ERROR_LEN_OFFSET, DomctlDomusKernelFlyweight.ERROR_LEN_OFFSET);
        assertEquals(dev.domus.abi.DomusDomctl.ERROR_BUF_OFFSET, DomctlDomusKernelFlyweight.ERROR_BUF_OFFSET);
        Map<String, Object> constants = constants();
        assertEquals(200, num(constants.get("XEN_DOMCTL_domus_kernel")));
        assertTrue(!constants.containsKey("LENGTH") && !constants.containsKey("FLAGS_OFFSET"),
                "layout constants belong under structs");
    }

    @Test
    void dumpCoversEveryNameIssue3Lists() {
        Map<String, Object> constants = constants();
        for (String name : REQUIRED_NAMES) {
            assertTrue(constants.containsKey(name), name + " missing");
        }
        for (String prefix : REQUIRED_PREFIXES) {
            assertTrue(constants.keySet().stream().anyMatch(n -> n.startsWith(prefix)), "no " + prefix + "* constant");
        }
        assertEquals(REQUIRED_STRUCTS, structs().keySet());
    }

    @Test
    void tableNamesEveryConstantAndStruct() {
        String table = AbiDump.current().toTable();
        assertTrue(table.contains("__HYPERVISOR_multicall"));
        assertTrue(table.contains("multicall_entry  size 64"));
        for (StructLayout s : Flyweights.LAYOUTS) {
            assertTrue(table.contains("  " + s.name() + "  size " + s.size()), s.name());
        }
    }

    @Test
    void aConstantDefinedTwiceWithDifferentValuesIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AbiDump.collectConstants(List.of(Clash1.class, Clash2.class)));
        assertTrue(e.getMessage().contains("SAME_NAME"));
        assertEquals(1L, AbiDump.collectConstants(List.of(Clash1.class, Clash1.class)).get("SAME_NAME"));
    }

    @Test
    void overlappingFieldsAreRefusedByTheLayout() {
        assertThrows(IllegalArgumentException.class,
                () -> StructLayout.builder("bad", 8).field("a", 0, 4).field("b", 2, 4).build());
        assertThrows(IllegalArgumentException.class,
                () -> StructLayout.builder("bad", 8).field("a", 4, 8).build());
    }

    @Test
    void jsonReaderRejectsInvalidJson() {
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("{\"a\": 1,}"));
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("{\"a\": 1} x"));
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("{\"a\": 1, \"a\": 2}"));
    }

    static final class Clash1 {
        public static final int SAME_NAME = 1;
    }

    static final class Clash2 {
        public static final int SAME_NAME = 2;
    }
}
