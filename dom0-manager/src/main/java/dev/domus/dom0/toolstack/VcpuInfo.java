package dev.domus.dom0.toolstack;

/**
 * What {@code XEN_DOMCTL_getvcpuinfo} says about one vCPU.
 *
 * @param vcpu      the vCPU's id in its domain
 * @param online    up (not brought down with VCPUOP_down) and running guest code
 * @param blocked   waiting for an event
 * @param running   holding a pCPU now
 * @param cpuTimeNs CPU time it has used
 * @param cpu       the pCPU it runs on (meaningful when {@code running})
 */
public record VcpuInfo(int vcpu, boolean online, boolean blocked, boolean running, long cpuTimeNs, int cpu) {

    /** {@code xl vcpu-list}'s state: r(unning), b(locked), p(aused: here, offline). */
    public String xlState() {
        return (running ? "r" : "-") + (blocked ? "b" : "-") + (online ? "-" : "p");
    }
}
