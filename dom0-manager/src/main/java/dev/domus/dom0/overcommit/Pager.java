package dev.domus.dom0.overcommit;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.domus.abi.DomusMemoryOp;
import dev.domus.abi.XenErrno;

/**
 * Dom0's pager, in the model of Xen's xenpaging: it chooses victim pages of guest domains,
 * nominates them (which revokes write access) and evicts them (the hypervisor writes each page
 * to the domain's paging file and frees its frame). A guest access to a paged-out page brings
 * it back before the access proceeds, in the hypervisor.
 *
 * <p><b>Victims</b>: a clock per domain sweeps its PFNs; only private RAM is taken (shared pages
 * save memory already; paged ones are gone). Second chance by access bit: when the hand enters
 * a window of {@link DomusMemoryOp#DOMUS_ACCESSED_PFNS} PFNs it reads and clears the window's
 * accessed bits ({@code XENMEM_paging_op_domus_accessed}; the hypervisor sets a page's bit
 * whenever a vCPU makes a translation for it), and it passes over every page used since the
 * hand last came by. A sweep goes round at most twice, so a domain whose every page is hot still
 * yields victims (the second time round only pages touched since the first count as used); if
 * even so no domain has an unused page, the pass takes used ones rather than leave the host
 * without memory.
 *
 * <p><b>Batches</b>: victims are nominated and evicted {@link DomusMemoryOp#DOMUS_PAGING_BATCH_MAX}
 * at a time, one hypercall and one generation bump per batch (Xen's xenpaging makes one call
 * per page). A page written between nomination and eviction stays (EBUSY); eviction waits
 * (EAGAIN, retried) until the guest's vCPUs passed a quiescent point. A failed eviction (paging
 * file full or unwritable: EIO) stops the pass and is reported; the page simply stays in
 * memory, nothing is lost. One pass at a time.
 */
public final class Pager {

    static final int BATCH = DomusMemoryOp.DOMUS_PAGING_BATCH_MAX;
    /** Batches nominated before the first is evicted, so that one wait for quiescence covers them. */
    private static final int BATCHES_IN_FLIGHT = 4;
    private static final int WINDOW = DomusMemoryOp.DOMUS_ACCESSED_PFNS;
    private static final long MAX_WAIT_NANOS = 2_000_000_000L;

    private final MemoryOps ops;
    private final Map<Integer, Clock> clocks = new ConcurrentHashMap<>();
    // Counters are read by the console while a pass runs: they take no lock.
    private final Map<Integer, Long> evictedBy = new ConcurrentHashMap<>();
    private final AtomicLong totalPagedOut = new AtomicLong();
    private final AtomicLong totalNanos = new AtomicLong();

    /** One domain's clock hand and the accessed bits of the window it is in. */
    private static final class Clock {
        long hand;
        long window = -1;
        final long[] accessed = new long[WINDOW / 64];
    }

    public Pager(MemoryOps ops) {
        this.ops = ops;
    }

    /**
     * What one pass did.
     *
     * @param pagedOut     pages evicted
     * @param byDomain     pages evicted per domain
     * @param secondChance pages passed over because they were accessed since the hand last came by
     * @param busy         pages written between nomination and eviction (kept)
     * @param error        null, or why the pass stopped early (e.g. the paging file is full)
     * @param nanos        time the pass took
     */
    public record Result(long pagedOut, Map<Integer, Long> byDomain, long secondChance, long busy, String error,
                         long nanos) {
    }

    /** Pages evicted by this pager since it started. */
    public long totalPagedOut() {
        return totalPagedOut.get();
    }

    /** Time spent paging out since the pager started, in nanoseconds. */
    public long totalNanos() {
        return totalNanos.get();
    }

    /** Pages this pager evicted from {@code domid} since the domain was created. */
    public long evictedFrom(int domid) {
        return evictedBy.getOrDefault(domid, 0L);
    }

    /** Forgets a destroyed domain's clock. */
    public synchronized void forget(int domid) {
        clocks.remove(domid);
        evictedBy.remove(domid);
    }

    /**
     * Pages out up to {@code want} pages, taken from {@code domids} in turn (up to
     * {@value #BATCHES_IN_FLIGHT} batches from each while any has victims left).
     */
    public synchronized Result pageOut(long want, List<Integer> domids) {
        long t0 = System.nanoTime();
        long done = 0;
        long[] second = new long[1];
        long busy = 0;
        String error = null;
        Map<Integer, Long> by = new TreeMap<>();
        boolean progress = true;
        boolean anyPage = false;
        Set<Integer> stuck = new HashSet<>();
        long[] victims = new long[BATCH * BATCHES_IN_FLIGHT];
        int[] types = new int[MemoryOps.TYPE_BATCH];
        while (done < want && error == null) {
            if (!progress) {
                if (anyPage) {
                    break;
                }
                anyPage = true; // every page was used while the hands went round twice: take used ones
            }
            progress = false;
            for (int domid : domids) {
                if (done >= want) {
                    break;
                }
                if (stuck.contains(domid)) {
                    continue;
                }
                MemoryOps.DomainPages info = ops.domainPages(domid);
                if (info == null || info.dying() || domid == 0) {
                    continue;
                }
                int n = (int) Math.min(victims.length, want - done);
                int found = chooseVictims(domid, info.maxPages(), victims, n, types, second, anyPage);
                if (found == 0) {
                    continue;
                }
                long[] outcome = evict(domid, victims, found);
                done += outcome[0];
                busy += outcome[1];
                if (outcome[0] == 0) {
                    stuck.add(domid); // victims, but none would go (busy, or a vCPU never quiesced)
                } else {
                    progress = true;
                    by.merge(domid, outcome[0], Long::sum);
                    evictedBy.merge(domid, outcome[0], Long::sum);
                }
                if (outcome[2] != 0) {
                    error = "domain " + domid + ": " + (outcome[2] == -XenErrno.XEN_EIO
                            ? "the paging file cannot take more pages (disk full or unwritable); paging stopped"
                            : "eviction failed with error " + (-outcome[2]));
                    break;
                }
            }
        }
        long nanos = System.nanoTime() - t0;
        totalPagedOut.addAndGet(done);
        totalNanos.addAndGet(nanos);
        return new Result(done, by, second[0], busy, error, nanos);
    }

    /**
     * Advances the domain's clock; fills {@code out} with up to {@code n} victims: private RAM
     * not accessed since the hand last passed.
     */
    private int chooseVictims(int domid, long maxPfn, long[] out, int n, int[] types, long[] skipped,
                              boolean anyPage) {
        if (maxPfn <= 0) {
            return 0;
        }
        Clock c = clocks.computeIfAbsent(domid, d -> new Clock());
        long hand = c.hand % maxPfn;
        int found = 0;
        long swept = 0;
        while (found < n && swept < 2 * maxPfn) {
            long first = hand;
            long window = first - first % WINDOW;
            if (c.window != window) {
                if (ops.readAndClearAccessed(domid, window, c.accessed) < 0) {
                    break;
                }
                c.window = window;
            }
            int count = (int) Math.min(MemoryOps.TYPE_BATCH, Math.min(maxPfn, window + WINDOW) - first);
            if (ops.pageTypes(domid, first, count, types) < 0) {
                break;
            }
            int i = 0;
            for (; i < count && found < n; i++) {
                long pfn = first + i;
                if (!PageTypes.privateRam(types[i])) {
                    continue;
                }
                long off = pfn - window;
                if (!anyPage && (c.accessed[(int) (off >>> 6)] & (1L << (off & 63))) != 0) {
                    skipped[0]++; // used since the hand last came by: a second chance
                    continue;
                }
                out[found++] = pfn;
            }
            swept += i;
            hand = (first + i) % maxPfn;
            if (hand == 0) {
                c.window = -1; // round again: the bits must be read afresh
            }
        }
        c.hand = hand;
        return found;
    }

    /** Nominates then evicts {@code victims[0..n)}; returns {evicted, busy, fatal error or 0}. */
    private long[] evict(int domid, long[] victims, int n) {
        long[] result = new long[BATCH];
        long[] batch = new long[BATCH];
        long[] nominated = new long[n];
        int nom = 0;
        for (int from = 0; from < n; from += BATCH) {
            int k = Math.min(BATCH, n - from);
            System.arraycopy(victims, from, batch, 0, k);
            long rc = ops.nominatePageOutBatch(domid, batch, k, result);
            if (rc < 0) {
                return new long[] {0, 0, rc == -XenErrno.XEN_ESRCH ? 0 : rc};
            }
            for (int i = 0; i < k; i++) {
                if (result[i] == 0) {
                    nominated[nom++] = batch[i];
                }
            }
        }
        long ok = 0;
        long busy = 0;
        long deadline = System.nanoTime() + MAX_WAIT_NANOS;
        while (nom > 0) {
            int keep = 0;
            for (int from = 0; from < nom; from += BATCH) {
                int k = Math.min(BATCH, nom - from);
                System.arraycopy(nominated, from, batch, 0, k);
                long rc = ops.evictBatch(domid, batch, k, result);
                if (rc < 0) {
                    return new long[] {ok, busy, rc == -XenErrno.XEN_ESRCH ? 0 : rc};
                }
                ok += rc;
                for (int i = 0; i < k; i++) {
                    long r = result[i];
                    if (r == -XenErrno.XEN_EAGAIN) {
                        nominated[keep++] = batch[i];
                    } else if (r == -XenErrno.XEN_EBUSY) {
                        busy++;
                    } else if (r != 0 && r != -XenErrno.XEN_ESRCH) {
                        return new long[] {ok, busy, r};
                    }
                }
            }
            nom = keep;
            if (nom > 0) {
                if (System.nanoTime() - deadline > 0) {
                    break; // a vCPU that never quiesces: its pages stay nominated (readable), nothing lost
                }
                LockSupport.parkNanos(50_000); // let the guest's vCPUs pass a safepoint
            }
        }
        return new long[] {ok, busy, 0};
    }
}
