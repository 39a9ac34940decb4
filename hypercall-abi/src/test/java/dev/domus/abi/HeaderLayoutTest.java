package dev.domus.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.domus.abi.flyweight.Flyweights;
import dev.domus.abi.flyweight.StructLayout;

/**
 * Every struct the ABI dump prints, checked against gcc's x86_64 {@code sizeof} and
 * {@code offsetof} over Xen 4.17's headers: the size and each field's offset and size.
 */
class HeaderLayoutTest {

    @Test
    void everyStructLayoutMatchesGcc(@TempDir Path dir) throws Exception {
        XenHeaders.assumeGcc();
        Map<String, String> exprs = new LinkedHashMap<>();
        int checked = 0;
        for (StructLayout s : Flyweights.LAYOUTS) {
            if (s.name().startsWith("domus_")) {
                continue; // the Domus extension's own layout: not in Xen's headers
            }
            String type = "struct " + s.name();
            exprs.put(s.name(), "sizeof(" + type + ")");
            for (StructLayout.Field f : s.fields()) {
                exprs.put(s.name() + "." + f.name() + "@", "offsetof(" + type + ", " + f.name() + ")");
                exprs.put(s.name() + "." + f.name() + "#", "sizeof(((" + type + " *)0)->" + f.name() + ")");
            }
            checked++;
        }
        Map<String, Long> c = XenHeaders.evaluate(exprs, dir);
        List<String> wrong = new ArrayList<>();
        for (StructLayout s : Flyweights.LAYOUTS) {
            if (s.name().startsWith("domus_")) {
                continue;
            }
            compare(wrong, s.name(), s.size(), c.get(s.name()));
            for (StructLayout.Field f : s.fields()) {
                compare(wrong, s.name() + "." + f.name() + " offset", f.offset(), c.get(s.name() + "." + f.name() + "@"));
                compare(wrong, s.name() + "." + f.name() + " size", f.size(), c.get(s.name() + "." + f.name() + "#"));
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(42, checked);
    }

    /** Sub-fields inside unions and nested structs, which the dump folds into their parent. */
    @Test
    void nestedFieldOffsetsMatchGcc(@TempDir Path dir) throws Exception {
        XenHeaders.assumeGcc();
        Map<String, Integer> ours = new LinkedHashMap<>();
        ours.put("offsetof(struct gnttab_copy, source.u.ref)", dev.domus.abi.flyweight.GnttabCopyFlyweight.SOURCE_U_REF_OFFSET);
        ours.put("offsetof(struct gnttab_copy, source.domid)", dev.domus.abi.flyweight.GnttabCopyFlyweight.SOURCE_DOMID_OFFSET);
        ours.put("offsetof(struct gnttab_copy, source.offset)", dev.domus.abi.flyweight.GnttabCopyFlyweight.SOURCE_OFFSET_OFFSET);
        ours.put("offsetof(struct gnttab_copy, dest.u.gmfn)", dev.domus.abi.flyweight.GnttabCopyFlyweight.DEST_U_GMFN_OFFSET);
        ours.put("offsetof(struct gnttab_copy, dest.domid)", dev.domus.abi.flyweight.GnttabCopyFlyweight.DEST_DOMID_OFFSET);
        ours.put("offsetof(struct gnttab_copy, dest.offset)", dev.domus.abi.flyweight.GnttabCopyFlyweight.DEST_OFFSET_OFFSET);
        ours.put("offsetof(struct evtchn_status, u.interdomain.port)", dev.domus.abi.flyweight.EvtchnStatusFlyweight.U_INTERDOMAIN_PORT_OFFSET);
        ours.put("offsetof(struct evtchn_status, u.virq)", dev.domus.abi.flyweight.EvtchnStatusFlyweight.U_VIRQ_OFFSET);
        ours.put("offsetof(struct start_info, console.domU.mfn)", dev.domus.abi.flyweight.StartInfoFlyweight.CONSOLE_DOMU_MFN_OFFSET);
        ours.put("offsetof(struct start_info, console.domU.evtchn)", dev.domus.abi.flyweight.StartInfoFlyweight.CONSOLE_DOMU_EVTCHN_OFFSET);
        ours.put("offsetof(struct xen_domctl_scheduler_op, u.credit2.cap)", dev.domus.abi.flyweight.DomctlSchedulerOpFlyweight.U_CREDIT2_CAP_OFFSET);
        ours.put("offsetof(struct xen_domctl_scheduler_op, u.rtds.budget)", dev.domus.abi.flyweight.DomctlSchedulerOpFlyweight.U_RTDS_BUDGET_OFFSET);
        ours.put("offsetof(struct xen_domctl_vcpuaffinity, cpumap_soft.nr_bits)", dev.domus.abi.flyweight.DomctlVcpuAffinityFlyweight.CPUMAP_SOFT_NR_BITS_OFFSET);
        ours.put("offsetof(struct xen_domctl_shadow_op, stats.dirty_count)", dev.domus.abi.flyweight.DomctlShadowOpFlyweight.STATS_DIRTY_COUNT_OFFSET);
        ours.put("offsetof(struct shared_info, vcpu_info[1].evtchn_pending_sel)",
                dev.domus.abi.flyweight.SharedInfoFlyweight.VCPU_INFO_OFFSET + dev.domus.abi.flyweight.VcpuInfoFlyweight.LENGTH
                        + dev.domus.abi.flyweight.VcpuInfoFlyweight.EVTCHN_PENDING_SEL_OFFSET);
        ours.put("offsetof(struct vcpu_info, time.system_time)",
                dev.domus.abi.flyweight.VcpuInfoFlyweight.TIME_OFFSET + dev.domus.abi.flyweight.VcpuTimeInfoFlyweight.SYSTEM_TIME_OFFSET);
        ours.put("offsetof(struct blkif_request, seg[3].last_sect)",
                dev.domus.abi.flyweight.BlkifRequestFlyweight.SEG_OFFSET + 3 * dev.domus.abi.flyweight.BlkifRequestSegmentFlyweight.LENGTH
                        + dev.domus.abi.flyweight.BlkifRequestSegmentFlyweight.LAST_SECT_OFFSET);
        ours.put("sizeof(union blkif_sring_entry)", dev.domus.abi.flyweight.BlkifSringFlyweight.ENTRY_SIZE);
        Map<String, String> exprs = new LinkedHashMap<>();
        ours.keySet().forEach(e -> exprs.put(e, e));
        Map<String, Long> c = XenHeaders.evaluate(exprs, dir);
        ours.forEach((expr, value) -> assertEquals((long) value, c.get(expr), expr));
    }

    private static void compare(List<String> wrong, String what, long ours, Long xen) {
        if (xen == null || ours != xen) {
            wrong.add(what + ": ours " + ours + ", gcc " + xen);
        }
    }
}
