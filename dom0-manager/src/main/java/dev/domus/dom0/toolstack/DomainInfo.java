package dev.domus.dom0.toolstack;

import dev.domus.abi.Domctl;
import dev.domus.abi.SchedOp;

/**
 * What {@code XEN_DOMCTL_getdomaininfo} says about a domain.
 *
 * @param domid         the domain
 * @param flags         XEN_DOMINF_* flags (shutdown code in bits 16..23)
 * @param totPages      pages the domain holds now
 * @param maxPages      its maximum reservation
 * @param cpuTimeNs     CPU time its vCPUs have used
 * @param onlineVcpus   vCPUs online
 * @param maxVcpuId     highest vCPU id
 */
public record DomainInfo(int domid, int flags, long totPages, long maxPages, long cpuTimeNs, int onlineVcpus,
                         int maxVcpuId) {

    public boolean dying() {
        return (flags & Domctl.XEN_DOMINF_dying) != 0;
    }

    public boolean shutdown() {
        return (flags & Domctl.XEN_DOMINF_shutdown) != 0;
    }

    public boolean paused() {
        return (flags & Domctl.XEN_DOMINF_paused) != 0;
    }

    public boolean blocked() {
        return (flags & Domctl.XEN_DOMINF_blocked) != 0;
    }

    public boolean running() {
        return (flags & Domctl.XEN_DOMINF_running) != 0;
    }

    /** The SHUTDOWN_* reason, meaningful when {@link #shutdown()}. */
    public int shutdownReason() {
        return (flags >>> Domctl.XEN_DOMINF_shutdownshift) & Domctl.XEN_DOMINF_shutdownmask;
    }

    public boolean crashed() {
        return shutdown() && (shutdownReason() == SchedOp.SHUTDOWN_crash
                || shutdownReason() == SchedOp.SHUTDOWN_watchdog);
    }

    /** xl's six-letter state column: r running, b blocked, p paused, s shutdown, c crashed, d dying. */
    public String xlState() {
        char[] s = "------".toCharArray();
        if (running()) {
            s[0] = 'r';
        }
        if (blocked()) {
            s[1] = 'b';
        }
        if (paused()) {
            s[2] = 'p';
        }
        if (shutdown() && !crashed()) {
            s[3] = 's';
        }
        if (crashed()) {
            s[4] = 'c';
        }
        if (dying()) {
            s[5] = 'd';
        }
        return new String(s);
    }

    /** One word for {@code list --json}: running, blocked, paused, shutdown, crashed, dying. */
    public String stateWord() {
        if (dying()) {
            return "dying";
        }
        if (crashed()) {
            return "crashed";
        }
        if (shutdown()) {
            return "shutdown";
        }
        if (paused()) {
            return "paused";
        }
        if (running()) {
            return "running";
        }
        return blocked() ? "blocked" : "runnable";
    }

    /** SHUTDOWN_* as xl names it. */
    public static String reasonName(int reason) {
        return switch (reason) {
            case SchedOp.SHUTDOWN_poweroff -> "poweroff";
            case SchedOp.SHUTDOWN_reboot -> "reboot";
            case SchedOp.SHUTDOWN_suspend -> "suspend";
            case SchedOp.SHUTDOWN_crash -> "crash";
            case SchedOp.SHUTDOWN_watchdog -> "watchdog";
            case SchedOp.SHUTDOWN_soft_reset -> "soft_reset";
            default -> "reason " + reason;
        };
    }
}
