package dev.domus.sched;

/**
 * A schedulable unit: Xen's {@code struct sched_unit}. In the hypervisor one unit is one
 * vCPU; in the simulator it is a synthetic workload. Policies keep their own per-unit
 * state (credit, deadlines, queue links) keyed by {@link #id()}, so this type stays a
 * plain identity.
 *
 * @param id     unique among the units added to one policy
 * @param domain the owning domain's id (policies such as credit2 account caps per domain)
 * @param index  the vCPU index within its domain
 */
public record SchedUnit(int id, int domain, int index) {
}
