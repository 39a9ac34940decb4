package dev.domus.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.domus.abi.dump.AbiDump;

/**
 * Every constant the ABI dump prints, checked against Xen 4.17's headers: as text (a
 * {@code #define} with a literal value) and, with gcc, by evaluating each name as C.
 */
class HeaderConstantsTest {

    /** Names of ours that Xen's headers do not have, each with the reason. */
    static final Map<String, String> NOT_IN_XEN = Map.ofEntries(
            Map.entry("XEN_VERSION_MAJOR", "Domus: the release whose ABI this is"),
            Map.entry("XEN_VERSION_MINOR", "Domus: the release whose ABI this is"),
            Map.entry("DOMUS_ABI_VERSION", "Domus extension version"),
            Map.entry("PAGE_SHIFT", "Xen's is XEN_PAGE_SHIFT (io/ring.h), checked below"),
            Map.entry("PAGE_SIZE", "Xen's is XEN_PAGE_SIZE"),
            Map.entry("PAGE_MASK", "derived from PAGE_SIZE"),
            Map.entry("NR_HYPERCALLS", "size of Domus's dispatch table"),
            Map.entry("__HYPERVISOR_domus_async_op", "the Domus extension"),
            Map.entry("BLK_RING_SIZE", "__CONST_RING_SIZE(blkif, 4096), checked below"),
            Map.entry("XEN_DOMCTL_domus_kernel", "the Domus domctl extension, checked unassigned below"),
            Map.entry("DOMUS_KERNEL_resume", "the Domus domctl extension"),
            Map.entry("DOMUS_KERNEL_CLASS_MAX", "the Domus domctl extension"),
            Map.entry("DOMUS_CLASSPATH_MAX", "the Domus domctl extension"),
            Map.entry("XENMAPSPACE_domus_gmfn_foreign_ro", "the Domus map-space extension, checked unassigned below"),
            Map.entry("XEN_DOMCTL_domus_getstats", "the Domus stats domctl, checked unassigned below"),
            Map.entry("XENMEM_paging_op_domus_read", "the Domus paging sub-op, checked unassigned below"),
            Map.entry("XENMEM_paging_op_domus_populate_paged", "the Domus paging sub-op, checked unassigned below"),
            Map.entry("XENMEM_resource_domus_vm_event", "the Domus resource type, checked unassigned below"),
            Map.entry("XENMEM_paging_op_domus_nominate_batch", "the Domus paging sub-op, checked unassigned below"),
            Map.entry("XENMEM_paging_op_domus_evict_batch", "the Domus paging sub-op, checked unassigned below"),
            Map.entry("XENMEM_paging_op_domus_accessed", "the Domus paging sub-op, checked unassigned below"),
            Map.entry("XENMEM_paging_op_domus_low_mem", "the Domus paging sub-op, checked unassigned below"),
            Map.entry("DOMUS_PAGING_BATCH_MAX", "the Domus paging batch sub-ops' limit"),
            Map.entry("DOMUS_ACCESSED_PFNS", "PFNs of one Domus accessed-bits call"),
            Map.entry("XEN_EINTR", "Xen-internal (#ifdef __XEN__ in errno.h), checked as text below"),
            Map.entry("XEN_ERESTART", "Xen-internal (#ifdef __XEN__ in errno.h), checked as text below"));

    private static final Pattern LITERAL_DEFINE = Pattern.compile(
            "^\\s*#\\s*define\\s+(\\w+)\\s+\\(?\\s*(-?)\\s*(0[xX][0-9a-fA-F]+|\\d+)[uUlL]*\\s*\\)?\\s*(/\\*.*)?$");

    private static Map<String, Long> dumpedXenConstants() {
        Map<String, Long> out = new LinkedHashMap<>();
        AbiDump.current().constants().forEach((name, value) -> {
            boolean domus = NOT_IN_XEN.containsKey(name) || name.startsWith("DOMUS_ASYNC_")
                    || name.startsWith("DOMUS_STATS_");
            if (!domus) {
                out.put(name, value);
            }
        });
        return out;
    }

    @Test
    void literalDefinesInTheHeadersEqualOurValues() throws IOException {
        XenHeaders.assumeHeaders();
        Map<String, List<Long>> defines = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(XenHeaders.ROOT)) {
            for (Path h : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".h"))::iterator) {
                for (String line : Files.readAllLines(h)) {
                    Matcher m = LITERAL_DEFINE.matcher(line);
                    if (m.matches()) {
                        String digits = m.group(3);
                        long v = digits.startsWith("0x") || digits.startsWith("0X")
                                ? Long.parseUnsignedLong(digits.substring(2), 16) : Long.parseLong(digits);
                        defines.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(m.group(2).isEmpty() ? v : -v);
                    }
                }
            }
        }
        int checked = 0;
        for (Map.Entry<String, Long> e : dumpedXenConstants().entrySet()) {
            List<Long> values = defines.get(e.getKey());
            if (values != null) {
                long ours = e.getValue();
                assertTrue(values.contains(ours) || values.contains(ours & 0xFFFF_FFFFL),
                        e.getKey() + " = " + ours + " but the headers define " + values);
                checked++;
            }
        }
        // Most of our constants are plain literal #defines; the rest (enums, expressions) gcc checks.
        assertTrue(checked > 500, "only " + checked + " constants found as literal #defines");
        assertEquals(List.of(4096L), defines.get("XENSTORE_PAYLOAD_MAX"));
    }

    @Test
    void everyConstantEvaluatesToOurValueWithGcc(@TempDir Path dir) throws Exception {
        XenHeaders.assumeGcc();
        Map<String, Long> ours = dumpedXenConstants();
        Map<String, String> exprs = new LinkedHashMap<>();
        ours.keySet().forEach(name -> exprs.put(name, name));
        exprs.put("XEN_PAGE_SHIFT", "XEN_PAGE_SHIFT");
        exprs.put("BLK_RING_SIZE", "__CONST_RING_SIZE(blkif, 4096)");
        Map<String, Long> xen = XenHeaders.evaluate(exprs, dir);
        List<String> wrong = new ArrayList<>();
        ours.forEach((name, value) -> {
            long c = xen.get(name);
            // A uint32_t flag may be an int here (same 32 bits) or a long (same value).
            if (c != value && (c & 0xFFFF_FFFFL) != (value & 0xFFFF_FFFFL)) {
                wrong.add(name + ": ours " + value + ", Xen " + c);
            }
        });
        assertEquals(List.of(), wrong);
        assertEquals(Xen.PAGE_SHIFT, xen.get("XEN_PAGE_SHIFT"));
        assertEquals(Blkif.BLK_RING_SIZE, xen.get("BLK_RING_SIZE"));
        assertEquals(32, Blkif.BLK_RING_SIZE);
    }

    @Test
    void everyXenErrnoIsInErrnoH() throws Exception {
        XenHeaders.assumeHeaders();
        String errno = Files.readString(XenHeaders.ROOT.resolve("errno.h"));
        Matcher m = Pattern.compile("(?m)^XEN_ERRNO\\((\\w+),\\s*(\\d+)\\)").matcher(errno);
        Map<String, Long> xen = new LinkedHashMap<>();
        while (m.find()) {
            xen.put("XEN_" + m.group(1), Long.parseLong(m.group(2)));
        }
        Map<String, Long> ours = new LinkedHashMap<>();
        for (java.lang.reflect.Field f : XenErrno.class.getFields()) {
            ours.put(f.getName(), (long) f.getInt(null));
        }
        assertEquals(xen, ours);
    }

    @Test
    void xsdErrorsTableIsTheHeadersInOrder() throws IOException {
        XenHeaders.assumeHeaders();
        String wire = Files.readString(XenHeaders.ROOT.resolve("io/xs_wire.h"));
        Matcher m = Pattern.compile("(?m)^\\s*XSD_ERROR\\((\\w+)\\),").matcher(wire);
        List<String> names = new ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        assertEquals(names, XsWire.XSD_ERRORS.stream().map(XsWire.XsdError::errstring).toList());
        for (XsWire.XsdError e : XsWire.XSD_ERRORS) {
            assertTrue(e.errnum() > 0, e.errstring());
        }
        assertEquals(XenErrno.XEN_ENOENT, XsWire.XSD_ERRORS.get(4).errnum());
    }

    @Test
    void domusKernelDomctlTakesACommandXenLeavesUnassigned() throws IOException {
        XenHeaders.assumeHeaders();
        String domctl = Files.readString(XenHeaders.ROOT.resolve("domctl.h"));
        Matcher m = Pattern.compile("(?m)^#define\\s+(XEN_DOMCTL_[a-z]\\w*)\\s+(\\d+)\\s*(/\\*.*)?$").matcher(domctl);
        Set<Integer> taken = new java.util.HashSet<>();
        while (m.find()) {
            taken.add(Integer.parseInt(m.group(2)));
        }
        assertTrue(taken.contains(Domctl.XEN_DOMCTL_createdomain) && taken.contains(Domctl.XEN_DOMCTL_gdbsx_guestmemio));
        assertTrue(!taken.contains(DomusDomctl.XEN_DOMCTL_domus_kernel),
                "Xen 4.17 assigns domctl " + DomusDomctl.XEN_DOMCTL_domus_kernel);
        assertTrue(!taken.contains(DomusStats.XEN_DOMCTL_domus_getstats),
                "Xen 4.17 assigns domctl " + DomusStats.XEN_DOMCTL_domus_getstats);
    }

    @Test
    void domusAsyncTakesANumberXenLeavesUnassigned() throws IOException {
        XenHeaders.assumeHeaders();
        String xenh = Files.readString(XenHeaders.ROOT.resolve("xen.h"));
        Matcher m = Pattern.compile("(?m)^#define\\s+__HYPERVISOR_(\\w+)\\s+(\\d+)").matcher(xenh);
        Set<Integer> taken = new java.util.HashSet<>();
        while (m.find()) {
            taken.add(Integer.parseInt(m.group(2)));
        }
        assertTrue(taken.contains(Hypercalls.__HYPERVISOR_hypfs_op));
        assertTrue(!taken.contains(Hypercalls.__HYPERVISOR_domus_async_op),
                "Xen 4.17 assigns " + Hypercalls.__HYPERVISOR_domus_async_op);
    }

    @Test
    void domusReadOnlyMapSpaceTakesANumberXenLeavesUnassigned() throws IOException {
        XenHeaders.assumeHeaders();
        String memh = Files.readString(XenHeaders.ROOT.resolve("memory.h"));
        Matcher m = Pattern.compile("(?m)^#define\\s+XENMAPSPACE_\\w+\\s+(\\d+)").matcher(memh);
        Set<Integer> taken = new java.util.HashSet<>();
        while (m.find()) {
            taken.add(Integer.parseInt(m.group(1)));
        }
        assertTrue(taken.contains(MemoryOp.XENMAPSPACE_gmfn_foreign));
        assertTrue(!taken.contains(DomusMemoryOp.XENMAPSPACE_domus_gmfn_foreign_ro),
                "Xen 4.17 assigns map space " + DomusMemoryOp.XENMAPSPACE_domus_gmfn_foreign_ro);
    }

    @Test
    void domusPagingReadTakesASubOpXenLeavesUnassigned() throws IOException {
        XenHeaders.assumeHeaders();
        String memh = Files.readString(XenHeaders.ROOT.resolve("memory.h"));
        Matcher m = Pattern.compile("(?m)^#define\\s+XENMEM_paging_op_\\w+\\s+(\\d+)").matcher(memh);
        Set<Integer> taken = new java.util.HashSet<>();
        while (m.find()) {
            taken.add(Integer.parseInt(m.group(1)));
        }
        assertTrue(taken.contains(MemoryOp.XENMEM_paging_op_evict));
        assertTrue(!taken.contains(DomusMemoryOp.XENMEM_paging_op_domus_read),
                "Xen 4.17 assigns paging sub-op " + DomusMemoryOp.XENMEM_paging_op_domus_read);
        assertTrue(!taken.contains(DomusMemoryOp.XENMEM_paging_op_domus_populate_paged),
                "Xen 4.17 assigns paging sub-op " + DomusMemoryOp.XENMEM_paging_op_domus_populate_paged);
        for (int op : new int[] {DomusMemoryOp.XENMEM_paging_op_domus_nominate_batch,
            DomusMemoryOp.XENMEM_paging_op_domus_evict_batch, DomusMemoryOp.XENMEM_paging_op_domus_accessed,
            DomusMemoryOp.XENMEM_paging_op_domus_low_mem}) {
            assertTrue(!taken.contains(op), "Xen 4.17 assigns paging sub-op " + op);
        }
    }

    @Test
    void domusVmEventResourceTakesATypeXenLeavesUnassigned() throws IOException {
        XenHeaders.assumeHeaders();
        String memh = Files.readString(XenHeaders.ROOT.resolve("memory.h"));
        Matcher m = Pattern.compile("(?m)^#define\\s+XENMEM_resource_[a-z_]+\\s+(\\d+)").matcher(memh);
        Set<Integer> taken = new java.util.HashSet<>();
        while (m.find()) {
            taken.add(Integer.parseInt(m.group(1)));
        }
        assertTrue(taken.contains(MemoryOp.XENMEM_resource_grant_table));
        assertTrue(!taken.contains(DomusMemoryOp.XENMEM_resource_domus_vm_event),
                "Xen 4.17 assigns resource type " + DomusMemoryOp.XENMEM_resource_domus_vm_event);
    }
}
