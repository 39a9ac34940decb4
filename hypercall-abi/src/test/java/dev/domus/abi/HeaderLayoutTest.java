package dev.domus.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            if (s.name().contains("domus")) {
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
            if (s.name().contains("domus")) {
                continue;
            }
            compare(wrong, s.name(), s.size(), c.get(s.name()));
            for (StructLayout.Field f : s.fields()) {
                compare(wrong, s.name() + "." + f.name() + " offset", f.offset(), c.get(s.name() + "." + f.name() + "@"));
                compare(wrong, s.name() + "." + f.name() + " size", f.size(), c.get(s.name() + "." + f.name() + "#"));
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(Flyweights.LAYOUTS.size() - 3, checked);
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

    /**
     * Every {@code *_OFFSET}, {@code *_SIZE} and {@code LENGTH} constant of every Xen flyweight,
     * nested and union members included, against gcc. The member each constant stands for is
     * listed in flyweight-fields.txt, written by the generator from its field specs.
     */
    @Test
    void everyFlyweightConstantMatchesGcc(@TempDir Path dir) throws Exception {
        XenHeaders.assumeGcc();
        Map<String, String> exprs = new LinkedHashMap<>();
        java.util.Set<String> listed = new java.util.HashSet<>();
        try (var in = getClass().getResourceAsStream("flyweight-fields.txt")) {
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] p = line.split(" ", 3);
                String key = p[0] + "." + p[1];
                exprs.put(key, p[2].substring(p[2].indexOf('|') + 1));
                listed.add(key);
            }
        }
        Map<String, Long> c = XenHeaders.evaluate(exprs, dir);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Long> e : c.entrySet()) {
            String[] k = e.getKey().split("\\.");
            Class<?> type = Class.forName("dev.domus.abi.flyweight." + k[0]);
            long ours = type.getField(k[1]).getInt(null);
            if (ours != e.getValue()) {
                wrong.add(e.getKey() + ": ours " + ours + ", gcc " + e.getValue());
            }
        }
        assertEquals(List.of(), wrong);
        // Nothing escapes the check: every layout constant of a Xen flyweight is listed.
        for (StructLayout s : Flyweights.LAYOUTS) {
            if (s.name().contains("domus")) {
                continue;
            }
            Class<?> type = flyweightOf(s);
            for (java.lang.reflect.Field f : type.getFields()) {
                String n = f.getName();
                if (f.getType() == int.class && (n.endsWith("_OFFSET") || n.endsWith("_SIZE") || n.equals("LENGTH"))) {
                    assertTrue(listed.contains(type.getSimpleName() + "." + n), type.getSimpleName() + "." + n + " unchecked");
                }
            }
        }
    }

    private static Class<?> flyweightOf(StructLayout layout) throws Exception {
        // Find the flyweight whose LAYOUT is this one.
        try (var classes = java.nio.file.Files.list(Path.of(Flyweights.class.getProtectionDomain()
                .getCodeSource().getLocation().toURI()).resolve("dev/domus/abi/flyweight"))) {
            for (Path p : (Iterable<Path>) classes::iterator) {
                String file = p.getFileName().toString();
                if (!file.endsWith("Flyweight.class")) {
                    continue;
                }
                Class<?> c = Class.forName("dev.domus.abi.flyweight." + file.substring(0, file.length() - 6));
                if (c.getField("LAYOUT").get(null) == layout) {
                    return c;
                }
            }
        }
        throw new AssertionError("no flyweight for " + layout.name());
    }

    private static void compare(List<String> wrong, String what, long ours, Long xen) {
        if (xen == null || ours != xen) {
            wrong.add(what + ": ours " + ours + ", gcc " + xen);
        }
    }
}
