package dev.domus.bench;

import dev.domus.abi.Xen;
import dev.domus.hv.mem.DomainMemory;
import dev.domus.hv.mem.FrameAllocator;
import dev.domus.hv.mem.GuestMemoryView;
import dev.domus.hv.mem.MachineMemory;
import java.util.Arrays;

/**
 * Cost of one log-dirty CLEAN (XEN_DOMCTL_SHADOW_OP_CLEAN) of a 1 GiB domain (262,144 PFNs), as
 * a timed loop: each round a vCPU view writes {@code dirty} pages spread over the domain, goes
 * offline, then one CLEAN is timed. The CLEAN copies the bitmap and write-protects the pages
 * written since the previous one; its cost is what the stop-and-copy pause pays per round.
 *
 * <p>Run: {@code java -cp <hypervisor classes, benchmarks classes, agrona> dev.domus.bench.LogDirtyCleanTiming [rounds]}.
 * Prints the median and the minimum per dirty count.
 */
public final class LogDirtyCleanTiming {

    private static final int PAGE = Xen.PAGE_SIZE;
    private static final int PFNS = 262_144;

    private LogDirtyCleanTiming() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        try (MachineMemory machine = new MachineMemory((long) (PFNS + 64) * PAGE)) {
            DomainMemory dom = new DomainMemory(1, new FrameAllocator(machine), PFNS, PFNS);
            if (dom.populateRange(0, PFNS) != PFNS) {
                throw new IllegalStateException("could not populate 1 GiB");
            }
            GuestMemoryView v = dom.newView();
            v.offline();
            if (dom.logDirtyEnable() != 0) {
                throw new IllegalStateException("log-dirty enable failed");
            }
            long[] bitmap = new long[dom.logDirtyBitmapWords()];
            dom.logDirtyClean(bitmap);
            for (int dirty : new int[] {0, 100, 1_000, 10_000}) {
                long[] nanos = new long[rounds];
                int stride = dirty == 0 ? 1 : PFNS / dirty;
                for (int r = -rounds / 4; r < rounds; r++) { // the first quarter warms up
                    for (int i = 0; i < dirty; i++) {
                        v.putInt((long) ((i * stride + r) & (PFNS - 1)) * PAGE, r);
                    }
                    v.offline(); // paused as in stop-and-copy: nothing to carry
                    long t0 = System.nanoTime();
                    long n = dom.logDirtyClean(bitmap);
                    long t = System.nanoTime() - t0;
                    if (n != dirty) {
                        throw new IllegalStateException("CLEAN reported " + n + " pages, expected " + dirty);
                    }
                    if (r >= 0) {
                        nanos[r] = t;
                    }
                }
                Arrays.sort(nanos);
                System.out.printf("CLEAN of 1 GiB (%d PFNs), %6d dirty pages: median %8.1f us, min %8.1f us (%d rounds)%n",
                        PFNS, dirty, nanos[rounds / 2] / 1e3, nanos[0] / 1e3, rounds);
            }
        }
    }
}
