package dev.domus.sched;

import dev.domus.sched.credit.CreditPolicy;
import dev.domus.sched.credit2.Credit2Policy;
import dev.domus.sched.nul.NullPolicy;
import dev.domus.sched.rtds.RtdsPolicy;
import java.util.List;

/**
 * Creates scheduling policies by their Xen name, for the hypervisor ({@code sched=} on
 * the host) and the simulator.
 */
public final class SchedulingPolicies {

    /** Xen 4.17's default. */
    public static final String DEFAULT = "credit2";

    /** Every policy name {@link #create} accepts. */
    public static final List<String> NAMES = List.of("credit2", "credit", "rtds", "null");

    private SchedulingPolicies() {
    }

    /**
     * A new policy instance over pCPUs {@code 0..pcpus-1}, with Xen's default settings.
     *
     * @throws IllegalArgumentException for an unknown name (the message lists the valid
     *         ones) or fewer than one pCPU
     */
    public static SchedulingPolicy create(String name, int pcpus) {
        if (pcpus < 1) {
            throw new IllegalArgumentException("a scheduler needs at least one pCPU, got " + pcpus);
        }
        if (name == null) {
            throw new IllegalArgumentException("no scheduler named: choose one of " + String.join(", ", NAMES));
        }
        return switch (name) {
            case "credit2" -> new Credit2Policy(pcpus);
            case "credit" -> new CreditPolicy(pcpus);
            case "rtds" -> new RtdsPolicy(pcpus);
            case "null" -> new NullPolicy(pcpus);
            default -> throw new IllegalArgumentException("unknown scheduler '" + name
                + "': choose one of " + String.join(", ", NAMES));
        };
    }
}
