package dev.domus.dom0.overcommit;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

import dev.domus.abi.XenErrno;

/**
 * Dom0's pager, in the model of Xen's xenpaging: it chooses victim pages of guest domains,
 * nominates them ({@code XENMEM_paging_op_nominate}, which revokes write access) and evicts
 * them ({@code XENMEM_paging_op_evict}: the hypervisor writes the page to the domain's paging
 * file and frees its frame). A guest access to a paged-out page brings it back before the
 * access proceeds, in the hypervisor.
 *
 * <p><b>Victims</b>: a clock per domain sweeps its PFNs; only private RAM is taken (shared
 * pages save memory already; paged ones are gone). The clock gives a second chance to pages it
 * evicted before that have come back since (a page-in means the guest uses it), like
 * xenpaging's list of recently paged-in pages, and a page written between nomination and
 * eviction stays (the hypervisor answers EBUSY). A failed eviction (paging file full or
 * unwritable: EIO) stops the pass and is reported; the page simply stays in memory, nothing is
 * lost. One pass at a time.
 */
public final class Pager {

    private static final int BATCH = 256;
    private static final int MAX_RETRY_ROUNDS = 200;

    private final MemoryOps ops;
    private final Map<Integer, Long> hands = new HashMap<>();
    private final Map<Integer, BitSet> evicted = new HashMap<>();
    private long totalPagedOut;

    public Pager(MemoryOps ops) {
        this.ops = ops;
    }

    /**
     * What one pass did.
     *
     * @param pagedOut     pages evicted
     * @param byDomain     pages evicted per domain
     * @param secondChance pages skipped because they came back since their last eviction
     * @param busy         pages written between nomination and eviction (kept)
     * @param error        null, or why the pass stopped early (e.g. the paging file is full)
     */
    public record Result(long pagedOut, Map<Integer, Long> byDomain, long secondChance, long busy, String error) {
    }

    /** Pages evicted by this pager since it started. */
    public synchronized long totalPagedOut() {
        return totalPagedOut;
    }

    /** Forgets a destroyed domain's clock. */
    public synchronized void forget(int domid) {
        hands.remove(domid);
        evicted.remove(domid);
    }

    /**
     * Pages out up to {@code want} pages, taken from {@code domids} in turn (a batch from each
     * while any has victims left).
     */
    public synchronized Result pageOut(long want, List<Integer> domids) {
        long done = 0;
        long second = 0;
        long busy = 0;
        String error = null;
        Map<Integer, Long> by = new TreeMap<>();
        boolean progress = true;
        long[] victims = new long[BATCH];
        int[] types = new int[MemoryOps.TYPE_BATCH];
        while (done < want && progress && error == null) {
            progress = false;
            for (int domid : domids) {
                if (done >= want) {
                    break;
                }
                MemoryOps.DomainPages info = ops.domainPages(domid);
                if (info == null || info.dying() || domid == 0) {
                    continue;
                }
                int n = (int) Math.min(BATCH, want - done);
                long[] skipped = new long[1];
                int found = chooseVictims(domid, info.maxPages(), victims, n, types, skipped);
                second += skipped[0];
                if (found == 0) {
                    continue;
                }
                progress = true;
                long[] outcome = evictBatch(domid, victims, found);
                done += outcome[0];
                busy += outcome[1];
                if (outcome[0] > 0) {
                    by.merge(domid, outcome[0], Long::sum);
                }
                if (outcome[2] != 0) {
                    error = "domain " + domid + ": " + (outcome[2] == -XenErrno.XEN_EIO
                            ? "the paging file cannot take more pages (disk full or unwritable); paging stopped"
                            : "eviction failed with error " + (-outcome[2]));
                    break;
                }
            }
        }
        totalPagedOut += done;
        return new Result(done, by, second, busy, error);
    }

    /** Advances the domain's clock; fills {@code out} with up to {@code n} victims. */
    private int chooseVictims(int domid, long maxPfn, long[] out, int n, int[] types, long[] skipped) {
        if (maxPfn <= 0) {
            return 0;
        }
        BitSet was = evicted.computeIfAbsent(domid, d -> new BitSet());
        long hand = hands.getOrDefault(domid, 0L) % maxPfn;
        int found = 0;
        long swept = 0;
        while (found < n && swept < maxPfn) {
            long first = hand;
            int count = (int) Math.min(MemoryOps.TYPE_BATCH, maxPfn - first);
            if (ops.pageTypes(domid, first, count, types) < 0) {
                break;
            }
            int i = 0;
            for (; i < count && found < n; i++) {
                long pfn = first + i;
                int t = types[i];
                if (t == PageTypes.PAGED) {
                    continue;
                }
                if (was.get((int) pfn)) {
                    was.clear((int) pfn);
                    if (PageTypes.privateRam(t)) {
                        skipped[0]++; // paged in since: recently used, a second chance
                        continue;
                    }
                }
                if (PageTypes.privateRam(t)) {
                    out[found++] = pfn;
                }
            }
            swept += i;
            hand = (first + i) % maxPfn;
        }
        hands.put(domid, hand);
        return found;
    }

    /** Nominates then evicts; returns {evicted, busy, fatal error or 0}. */
    private long[] evictBatch(int domid, long[] victims, int n) {
        boolean[] nominated = new boolean[n];
        for (int i = 0; i < n; i++) {
            nominated[i] = ops.nominatePageOut(domid, victims[i]) == 0;
        }
        BitSet was = evicted.computeIfAbsent(domid, d -> new BitSet());
        long ok = 0;
        long busy = 0;
        int pending = n;
        for (int round = 0; pending > 0 && round < MAX_RETRY_ROUNDS; round++) {
            pending = 0;
            for (int i = 0; i < n; i++) {
                if (!nominated[i]) {
                    continue;
                }
                long rc = ops.evict(domid, victims[i]);
                if (rc == 0) {
                    nominated[i] = false;
                    was.set((int) victims[i]);
                    ok++;
                } else if (rc == -XenErrno.XEN_EAGAIN) {
                    pending++;
                } else if (rc == -XenErrno.XEN_EBUSY) {
                    nominated[i] = false;
                    busy++;
                } else {
                    return new long[] {ok, busy, rc};
                }
            }
            if (pending > 0) {
                LockSupport.parkNanos(200_000); // let the guest's vCPUs pass a safepoint
            }
        }
        return new long[] {ok, busy, 0};
    }
}
