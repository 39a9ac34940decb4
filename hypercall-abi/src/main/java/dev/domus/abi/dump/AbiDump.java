package dev.domus.abi.dump;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.domus.abi.Blkif;
import dev.domus.abi.ConsoleIo;
import dev.domus.abi.Domctl;
import dev.domus.abi.VmEvent;
import dev.domus.abi.DomusAsync;
import dev.domus.abi.DomusDomctl;
import dev.domus.abi.DomusMemoryOp;
import dev.domus.abi.DomusStats;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GrantTableOp;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.MmuUpdate;
import dev.domus.abi.SchedOp;
import dev.domus.abi.SharedInfo;
import dev.domus.abi.StartInfo;
import dev.domus.abi.Sysctl;
import dev.domus.abi.VcpuOp;
import dev.domus.abi.Virq;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.abi.XenVersion;
import dev.domus.abi.XenbusState;
import dev.domus.abi.XsWire;
import dev.domus.abi.flyweight.Flyweights;
import dev.domus.abi.flyweight.StructLayout;

/**
 * The ABI the code implements, as {@code domus abi --json} prints it (DESIGN.md, "ABI dump"):
 * <pre>
 * {"constants": {"__HYPERVISOR_multicall": 13, ...},
 *  "structs": {"multicall_entry": {"size": 64, "fields": {"op": {"offset": 0, "size": 8}, ...}}, ...}}
 * </pre>
 * Constants are every {@code public static final int/long} field of the constant classes
 * (read by reflection, so the dump is the code), except layout constants ({@code *_OFFSET},
 * {@code LENGTH}), which belong under "structs"; structs are the flyweights'
 * {@link StructLayout}s, each built from that flyweight's own constants.
 *
 * <p>The JSON is written by hand: the shape is flat and tiny (string keys that are C
 * identifiers, integer values), so a JSON library would add a dependency to the one module
 * that must depend on Agrona only.
 */
public final class AbiDump {

    /** The constant classes, one per Xen header (plus Domus's extension), in dump order. */
    public static final List<Class<?>> CONSTANT_CLASSES = List.of(
            Xen.class, Hypercalls.class, XenErrno.class, MemoryOp.class, SchedOp.class,
            EventChannelOp.class, Virq.class, GrantTableOp.class, VcpuOp.class, XenVersion.class,
            ConsoleIo.class, Sysctl.class, Domctl.class, MmuUpdate.class, XsWire.class,
            XenbusState.class, StartInfo.class, SharedInfo.class, Blkif.class, DomusAsync.class,
            DomusDomctl.class, DomusMemoryOp.class, DomusStats.class, VmEvent.class);

    private final Map<String, Long> constants;
    private final List<StructLayout> structs;

    private AbiDump(Map<String, Long> constants, List<StructLayout> structs) {
        this.constants = constants;
        this.structs = structs;
    }

    /** The dump of this build's ABI. */
    public static AbiDump current() {
        return new AbiDump(collectConstants(CONSTANT_CLASSES), Flyweights.LAYOUTS);
    }

    /** Name to value of every integer constant, in class and declaration order. */
    public Map<String, Long> constants() {
        return constants;
    }

    /** Every struct layout, in a fixed order. */
    public List<StructLayout> structs() {
        return structs;
    }

    static Map<String, Long> collectConstants(List<Class<?>> classes) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Class<?> c : classes) {
            for (Field f : c.getDeclaredFields()) {
                int m = f.getModifiers();
                if (!Modifier.isPublic(m) || !Modifier.isStatic(m) || !Modifier.isFinal(m)) {
                    continue;
                }
                if (f.getType() != int.class && f.getType() != long.class) {
                    continue;
                }
                if (f.getName().endsWith("_OFFSET") || f.getName().equals("LENGTH")) {
                    continue; // a struct layout, dumped under "structs"
                }
                long value;
                try {
                    value = f.getLong(null);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("constant " + c.getSimpleName() + "." + f.getName(), e);
                }
                Long previous = out.putIfAbsent(f.getName(), value);
                if (previous != null && previous != value) {
                    throw new IllegalStateException(f.getName() + " is defined twice with different values");
                }
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** The dump as JSON, in DESIGN.md's shape, one constant or struct per line. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("{\"constants\": {");
        String sep = "\n  ";
        for (Map.Entry<String, Long> e : constants.entrySet()) {
            sb.append(sep);
            string(sb, e.getKey()).append(": ").append(e.getValue());
            sep = ",\n  ";
        }
        sb.append("\n },\n \"structs\": {");
        sep = "\n  ";
        for (StructLayout s : structs) {
            sb.append(sep);
            string(sb, s.name()).append(": {\"size\": ").append(s.size()).append(", \"fields\": {");
            String fsep = "";
            for (StructLayout.Field f : s.fields()) {
                sb.append(fsep);
                string(sb, f.name()).append(": {\"offset\": ").append(f.offset())
                        .append(", \"size\": ").append(f.size()).append('}');
                fsep = ", ";
            }
            sb.append("}}");
            sep = ",\n  ";
        }
        return sb.append("\n }\n}\n").toString();
    }

    /** The dump as a readable table: constants, then each struct with its fields. */
    public String toTable() {
        int width = 0;
        for (String name : constants.keySet()) {
            width = Math.max(width, name.length());
        }
        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("CONSTANTS (").append(constants.size()).append(")\n");
        for (Map.Entry<String, Long> e : constants.entrySet()) {
            long v = e.getValue();
            sb.append(String.format("  %-" + width + "s  %d%s%n", e.getKey(), v,
                    v > 9 || v < 0 ? String.format("  (0x%x)", v) : ""));
        }
        sb.append("\nSTRUCTS (").append(structs.size()).append(")\n");
        for (StructLayout s : structs) {
            sb.append(String.format("  %s  size %d%n", s.name(), s.size()));
            for (StructLayout.Field f : s.fields()) {
                sb.append(String.format("      %-24s offset %5d  size %5d%n", f.name(), f.offset(), f.size()));
            }
        }
        return sb.toString();
    }

    private static StringBuilder string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"');
    }
}
