package dev.domus.hv.hypercall;

import dev.domus.abi.Domctl;

/** Xen's {@code XEN_SCHEDULER_*} id of a policy name (sysctl sched_id, domctl scheduler_op). */
final class SchedulerIds {

    private SchedulerIds() {
    }

    static int id(String policy) {
        return switch (policy) {
            case "credit" -> Domctl.XEN_SCHEDULER_CREDIT;
            case "credit2" -> Domctl.XEN_SCHEDULER_CREDIT2;
            case "rtds" -> Domctl.XEN_SCHEDULER_RTDS;
            case "null" -> Domctl.XEN_SCHEDULER_NULL;
            case "arinc653" -> Domctl.XEN_SCHEDULER_ARINC653;
            // The fallback round-robin policy answers to credit2's id and ignores weights.
            default -> Domctl.XEN_SCHEDULER_CREDIT2;
        };
    }
}
