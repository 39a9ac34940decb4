package dev.domus.hv.hypercall;

import java.util.ArrayList;
import java.util.List;

import dev.domus.abi.Hypercalls;

/**
 * Every {@link HypercallCounters} of one domain, so the getstats domctl can sum them. Contexts
 * register when they are made (cold); a reader folds the counters of Dom0 threads that have
 * ended into {@link #retired}, so a domain's totals never go back and dead threads' contexts
 * do not pile up.
 */
public final class CounterRegistry {

    private final List<HypercallCounters> live = new ArrayList<>();
    private final long[] retiredCalls = new long[Hypercalls.NR_HYPERCALLS * HypercallCounters.SUBOPS];
    private final long[] retiredItems = new long[Hypercalls.NR_HYPERCALLS * HypercallCounters.SUBOPS];
    private final long[] retiredErrors = new long[Hypercalls.NR_HYPERCALLS * HypercallCounters.ERRNO_SLOTS];

    synchronized void register(HypercallCounters c) {
        live.add(c);
    }

    /** Sums into fresh arrays: {calls, items, errors}, laid out as {@link HypercallCounters#addTo}. */
    synchronized long[][] sum() {
        long[] calls = retiredCalls.clone();
        long[] items = retiredItems.clone();
        long[] errors = retiredErrors.clone();
        for (int i = live.size() - 1; i >= 0; i--) {
            HypercallCounters c = live.get(i);
            if (c.owner != null && !c.owner.isAlive()) {
                // The writer is gone: its counts are final, keep them and drop the context.
                c.addTo(retiredCalls, retiredItems, retiredErrors);
                c.addTo(calls, items, errors);
                live.remove(i);
            } else {
                c.addTo(calls, items, errors);
            }
        }
        return new long[][] {calls, items, errors};
    }

    /** Contexts registered and not yet retired (for tests). */
    synchronized int liveContexts() {
        return live.size();
    }
}
