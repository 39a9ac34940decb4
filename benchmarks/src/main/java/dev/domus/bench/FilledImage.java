package dev.domus.bench;

import dev.domus.bench.guest.FirstInstruction;
import dev.domus.dom0.save.DomainSaver;
import dev.domus.dom0.save.GuestPageIo;
import dev.domus.dom0.save.ImageException;
import dev.domus.dom0.save.SavedDomainInfo;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.Dom0;
import dev.domus.hv.boot.DomainSpec;
import java.nio.file.Path;
import java.util.Map;

/**
 * The save/restore benchmarks' subject: a paused {@link FirstInstruction} domain whose every
 * ordinary page holds distinct non-zero data (the worst case: no zero page to skip), and its
 * saved image. Setup only; nothing here is timed.
 */
final class FilledImage {

    private FilledImage() {
    }

    /** The paused domain's spec: {@code mib} MiB, one vCPU, kernel from {@code guests}. */
    static DomainSpec spec(Path guests, int mib) {
        return DomainSpec.of(FirstInstruction.class.getName(), mib * 1024L, 1)
            .withClassPath(guests.toString()).paused(true);
    }

    /** What a save records about {@code source}, built from {@link #spec}. */
    static SavedDomainInfo info(BuiltDomain source, Path guests, int mib) {
        return new SavedDomainInfo("bench", source.domid(), FirstInstruction.class.getName(), guests.toString(), "",
            mib * 1024L, mib * 1024L, 1, source.nrPages(),
            new long[] {source.startInfoPfn(), source.sharedInfoPfn(), source.storePfn(), source.consolePfn()});
    }

    /** Writes distinct non-zero data (xorshift) into every ordinary page of {@code domid} through Dom0's foreign maps. */
    static void fill(Dom0 dom0, int domid, SavedDomainInfo info) {
        byte[] page = new byte[4096];
        long[] pfns = new long[GuestPageIo.BATCH];
        int[] err = new int[GuestPageIo.BATCH];
        try (GuestPageIo io = new GuestPageIo(dom0)) {
            long x = 0x9E3779B97F4A7C15L;
            for (long first = 0; first < info.nrPages(); first += GuestPageIo.BATCH) {
                int n = (int) Math.min(GuestPageIo.BATCH, info.nrPages() - first);
                int k = 0;
                for (int i = 0; i < n; i++) {
                    if (!info.isSpecial(first + i)) {
                        pfns[k++] = first + i;
                    }
                }
                io.map(domid, pfns, k, err);
                for (int i = 0; i < k; i++) {
                    for (int b = 0; b < page.length; b += 8) {
                        x ^= x << 13;
                        x ^= x >>> 7;
                        x ^= x << 17;
                        for (int j = 0; j < 8; j++) {
                            page[b + j] = (byte) (x >>> (8 * j));
                        }
                    }
                    io.write(i, page, 0);
                }
                io.unmapAll();
            }
        }
    }

    /** Saves {@code domid} (no config, one vCPU) to {@code image}; returns the image's size in bytes. */
    static long save(Dom0 dom0, int domid, SavedDomainInfo info, Path image) throws ImageException {
        return new DomainSaver(dom0).save(domid, info, null, null, Map.of(), new long[][] {{0, 1, 0}}, image).bytes();
    }
}
