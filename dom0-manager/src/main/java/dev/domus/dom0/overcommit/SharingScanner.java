package dev.domus.dom0.overcommit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.dom0.save.GuestPageIo;
import dev.domus.hv.boot.Dom0;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongArrayList;

/**
 * Dom0's page-sharing scan (the model of Xen's memshr and of ESX's content-based sharing):
 * reads every private page of the given domains through Dom0's foreign mappings, hashes it,
 * and for each page whose hash was seen before asks the hypervisor to share the two
 * ({@code XENMEM_sharing_op} nominate + share). The hash only proposes pairs: the hypervisor
 * compares both pages in full under its lock before it maps one frame for both, so a hash
 * collision or a page written since the scan is simply not shared. Zero pages are shared
 * first (they are the most common duplicate), then pages of any content.
 *
 * <p>Pages already shared or paged out are skipped without being touched (their types come
 * from getpageframeinfo3), so a scan never undoes sharing or paging. One scan at a time.
 */
public final class SharingScanner {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int PAGE = Xen.PAGE_SIZE;
    /** Pairs nominated together before sharing (lets vCPUs pass a quiescent point meanwhile). */
    private static final int SHARE_BATCH = 512;
    private static final int MAX_RETRY_ROUNDS = 200;
    private static final long ZERO_HASH = hash(new byte[PAGE], 0);

    private final Dom0 dom0;
    private final MemoryOps ops;

    public SharingScanner(Dom0 dom0, MemoryOps ops) {
        this.dom0 = dom0;
        this.ops = ops;
    }

    /**
     * What one scan did.
     *
     * @param scannedPages   private pages read and hashed
     * @param candidatePairs pages whose hash matched an earlier page
     * @param sharedPages    pages that now map another page's frame (frames freed)
     * @param zeroPages      of those, zero pages
     * @param differed       candidates the hypervisor refused because the contents differ (collision or written since)
     * @param savedByDomain  frames freed per domain (the client's page gave up its frame)
     * @param nanos          wall time of the scan
     */
    public record Result(long scannedPages, long candidatePairs, long sharedPages, long zeroPages, long differed,
                         Map<Integer, Long> savedByDomain, long nanos) {

        /** Guest memory scanned per second, in GiB/s. */
        public double gibPerSecond() {
            return nanos == 0 ? 0 : scannedPages * (double) PAGE / (1L << 30) / (nanos / 1e9);
        }
    }

    /** Scans {@code domids} (in order) and shares what it can. */
    public synchronized Result scan(List<Integer> domids) {
        long t0 = System.nanoTime();
        Long2LongHashMap firstSeen = new Long2LongHashMap(-1);
        LongArrayList zeroPairs = new LongArrayList();
        LongArrayList otherPairs = new LongArrayList();
        long scanned = 0;
        byte[] page = new byte[PAGE];
        int[] types = new int[MemoryOps.TYPE_BATCH];
        long[] pfns = new long[GuestPageIo.BATCH];
        int[] err = new int[GuestPageIo.BATCH];
        try (GuestPageIo io = new GuestPageIo(dom0)) {
            for (int domid : domids) {
                if (domid <= 0 || domid > 0x7fff) {
                    continue;
                }
                long maxPfn = maxPfn(domid);
                int n = 0;
                for (long first = 0; first < maxPfn; first += MemoryOps.TYPE_BATCH) {
                    int count = (int) Math.min(MemoryOps.TYPE_BATCH, maxPfn - first);
                    if (ops.pageTypes(domid, first, count, types) < 0) {
                        break; // the domain went away
                    }
                    for (int i = 0; i < count; i++) {
                        if (!PageTypes.privateRam(types[i])) {
                            continue;
                        }
                        pfns[n++] = first + i;
                        if (n == pfns.length) {
                            scanned += hashBatch(io, domid, pfns, n, err, page, firstSeen, zeroPairs, otherPairs);
                            n = 0;
                        }
                    }
                }
                if (n > 0) {
                    scanned += hashBatch(io, domid, pfns, n, err, page, firstSeen, zeroPairs, otherPairs);
                }
            }
        }
        Map<Integer, Long> saved = new TreeMap<>();
        long[] counts = new long[2];
        long zeroShared = shareAll(zeroPairs, saved, counts);
        long otherShared = shareAll(otherPairs, saved, counts);
        return new Result(scanned, (zeroPairs.size() + otherPairs.size()) / 2, zeroShared + otherShared, zeroShared,
                counts[1], saved, System.nanoTime() - t0);
    }

    /** PFNs to scan: the domain's maximum reservation (its P2M covers that much RAM). */
    private long maxPfn(int domid) {
        MemoryOps.DomainPages d = ops.domainPages(domid);
        return d == null ? 0 : d.maxPages();
    }

    private long hashBatch(GuestPageIo io, int domid, long[] pfns, int n, int[] err, byte[] page,
                           Long2LongHashMap firstSeen, LongArrayList zeroPairs, LongArrayList otherPairs) {
        long mapped = io.map(domid, pfns, n, err);
        if (mapped < 0) {
            return 0;
        }
        long hashed = 0;
        try {
            for (int i = 0; i < n; i++) {
                if (err[i] != 0) {
                    continue;
                }
                io.read(i, page, 0);
                hashed++;
                long h = hash(page, 0);
                long here = pack(domid, pfns[i]);
                long seen = firstSeen.get(h);
                if (seen < 0) {
                    firstSeen.put(h, here);
                } else {
                    LongArrayList pairs = h == ZERO_HASH && isZero(page) ? zeroPairs : otherPairs;
                    pairs.addLong(seen);
                    pairs.addLong(here);
                }
            }
        } finally {
            io.unmapAll();
        }
        return hashed;
    }

    /** Nominates and shares the pairs (source, client, ...); returns pages shared. */
    private long shareAll(LongArrayList pairs, Map<Integer, Long> saved, long[] counts) {
        long shared = 0;
        int total = pairs.size() / 2;
        for (int start = 0; start < total; start += SHARE_BATCH) {
            int end = Math.min(total, start + SHARE_BATCH);
            boolean[] ready = new boolean[end - start];
            for (int p = start; p < end; p++) {
                long src = pairs.getLong(2 * p);
                long cli = pairs.getLong(2 * p + 1);
                ready[p - start] = ops.nominateShare(domid(src), pfn(src)) >= 0
                        && ops.nominateShare(domid(cli), pfn(cli)) >= 0;
            }
            // Share; a pair whose vCPUs have not passed a quiescent point since the nomination
            // answers EAGAIN and is retried after the others.
            List<Integer> again = new ArrayList<>();
            for (int p = start; p < end; p++) {
                if (ready[p - start]) {
                    again.add(p);
                }
            }
            for (int round = 0; !again.isEmpty() && round < MAX_RETRY_ROUNDS; round++) {
                List<Integer> next = new ArrayList<>();
                for (int p : again) {
                    long src = pairs.getLong(2 * p);
                    long cli = pairs.getLong(2 * p + 1);
                    long rc = ops.share(domid(src), pfn(src), domid(cli), pfn(cli));
                    if (rc == 0) {
                        shared++;
                        saved.merge(domid(cli), 1L, Long::sum);
                    } else if (rc == -XenErrno.XEN_EAGAIN) {
                        next.add(p);
                    } else if (rc == -XenErrno.XEN_EINVAL) {
                        counts[1]++;
                    }
                }
                again = next;
                if (!again.isEmpty()) {
                    LockSupport.parkNanos(200_000); // let the guests' vCPUs reach a safepoint
                }
            }
        }
        return shared;
    }

    static long pack(int domid, long pfn) {
        return ((long) domid << 40) | pfn;
    }

    static int domid(long packed) {
        return (int) (packed >>> 40);
    }

    static long pfn(long packed) {
        return packed & ((1L << 40) - 1);
    }

    private static boolean isZero(byte[] page) {
        for (int i = 0; i < PAGE; i += 8) {
            if ((long) LONGS.get(page, i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** A 64-bit content hash of one page (multiply-xorshift over its words; proposals only). */
    static long hash(byte[] page, int off) {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < PAGE; i += 8) {
            long w = (long) LONGS.get(page, off + i);
            h = (h ^ w) * 0xff51afd7ed558ccdL;
            h ^= h >>> 29;
        }
        return h ^ (h >>> 32);
    }
}
