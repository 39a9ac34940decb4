package dev.domus.dom0.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The host's pCPU busy time as a counter that never goes back: the sum over domains of their
 * vCPUs' RUNSTATE_running time (a vCPU runs only while it holds a pCPU's run token), plus the
 * running time last seen of every domain that has since gone (destroyed, migrated away), so a
 * destroy does not make the counter drop. Time a gone domain ran after the last sample is not
 * seen; the counter under-counts it rather than guess.
 */
final class PcpuBusy {

    private final Map<Integer, Long> lastRunningNs = new HashMap<>();
    private long retiredNs;
    private long lastTotalNs;

    /** Folds in one sample and returns the busy nanoseconds of all pCPUs so far. */
    synchronized long update(HostSample s) {
        Set<Integer> present = new HashSet<>();
        for (DomainSample d : s.domains()) {
            present.add(d.domid());
            if (d.counters().isEmpty()) {
                continue; // not sampled this time: keep what was seen
            }
            long now = d.counter("runstate_running_ns");
            Long before = lastRunningNs.put(d.domid(), now);
            if (before != null && now < before) {
                retiredNs += before; // the domid was reused by a new domain
            }
        }
        lastRunningNs.entrySet().removeIf(e -> {
            if (present.contains(e.getKey())) {
                return false;
            }
            retiredNs += e.getValue();
            return true;
        });
        long total = retiredNs;
        for (long v : lastRunningNs.values()) {
            total += v;
        }
        // Samples from concurrent scrapes may arrive out of order: never report less than before.
        lastTotalNs = Math.max(lastTotalNs, total);
        return lastTotalNs;
    }
}
