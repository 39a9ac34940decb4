package dev.domus.dom0.toolstack;

import java.util.HashMap;
import java.util.Map;

import dev.domus.abi.DomusStats;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.dump.AbiDump;

/**
 * Xen's names for hypercall numbers, sub-ops and errors, taken from the ABI's own constants
 * (the same the ABI dump prints), for labels a reader can grep Xen's headers for.
 */
public final class AbiNames {

    private static final Map<Integer, String> OPS = new HashMap<>();
    private static final Map<Integer, String> SUBOP_PREFIX = Map.of(
            Hypercalls.__HYPERVISOR_memory_op, "XENMEM_",
            Hypercalls.__HYPERVISOR_xen_version, "XENVER_",
            Hypercalls.__HYPERVISOR_console_io, "CONSOLEIO_",
            Hypercalls.__HYPERVISOR_grant_table_op, "GNTTABOP_",
            Hypercalls.__HYPERVISOR_vcpu_op, "VCPUOP_",
            Hypercalls.__HYPERVISOR_sched_op, "SCHEDOP_",
            Hypercalls.__HYPERVISOR_event_channel_op, "EVTCHNOP_",
            Hypercalls.__HYPERVISOR_domus_async_op, "DOMUS_ASYNC_");
    private static final Map<String, String> SUBOPS = new HashMap<>();
    private static final Map<Integer, String> ERRNOS = new HashMap<>();

    static {
        AbiDump.current().constants().forEach((name, value) -> {
            int v = value.intValue();
            if (name.startsWith("__HYPERVISOR_") && !name.equals("__HYPERVISOR_arch_0") && v < Hypercalls.NR_HYPERCALLS) {
                OPS.putIfAbsent(v, name.substring("__HYPERVISOR_".length()));
            } else if (name.startsWith("XEN_E")) {
                ERRNOS.putIfAbsent(v, name);
            }
            for (String prefix : SUBOP_PREFIX.values()) {
                // Sub-ops are named PREFIX_lowercase (EVTCHNOP_send); PREFIX_UPPER are limits or flags.
                if (name.startsWith(prefix) && name.length() > prefix.length()
                        && Character.isLowerCase(name.charAt(prefix.length()))) {
                    SUBOPS.putIfAbsent(prefix + v, name);
                }
            }
        });
    }

    private AbiNames() {
    }

    /** {@code event_channel_op} for 32; {@code hypercall_N} for a number Xen does not name. */
    public static String op(int op) {
        return OPS.getOrDefault(op, "hypercall_" + op);
    }

    /** {@code EVTCHNOP_send}; "" for no sub-op; {@code other} out of range; else {@code subop_N}. */
    public static String subop(int op, int subop) {
        if (subop == DomusStats.DOMUS_STATS_SUBOP_NONE) {
            return "";
        }
        if (subop == DomusStats.DOMUS_STATS_SUBOP_OTHER) {
            return "other";
        }
        String prefix = SUBOP_PREFIX.get(op);
        String name = prefix == null ? null : SUBOPS.get(prefix + subop);
        return name != null ? name : "subop_" + subop;
    }

    /** {@code XEN_EINVAL} for 22; {@code XEN_E_N} for a value Xen does not name. */
    public static String errno(int errno) {
        return ERRNOS.getOrDefault(errno, "XEN_E_" + errno);
    }
}
