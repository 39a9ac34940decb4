package dev.domus.examples.memcheck;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Xen;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/**
 * memcheck: fills its memory with a seeded pattern, keeps rewriting pages at a configurable
 * dirty rate, and verifies every page on resume (and on request), publishing {@code status},
 * {@code verified_pages}, {@code errors} and {@code generation} under {@code data/memcheck/}
 * in xenstore. The tool for checking that save, restore, migration and overcommit lose
 * nothing.
 *
 * <p>Parameters (config {@code extra}): {@code pages} (pages to test; default all free but 64),
 * {@code seed}, {@code dirty_rate} (pages rewritten per second; default 1000),
 * {@code tick_ms} (default 50), {@code verify_every} (full verification every N ticks; 0 never;
 * each pass also publishes {@code passes}), {@code verify_on_request} (1: also verify when
 * Dom0 writes anything to {@code data/memcheck/verify}; the guest clears it), {@code balloon} (1: run the balloon driver, so
 * {@code domus mem-set} moves the guest; its tested pages are never ballooned).
 *
 * <p>State lives in guest memory: a header page and one 32-bit version per tested page; the
 * pattern of a page is a function of (seed, pfn, version), so verification needs nothing else.
 */
public final class MemCheck extends DomusKernel {

    private static final int MAGIC = 0x4d434b31; // "MCK1"
    private static final int H_MAGIC = 0;
    private static final int H_SEED = 8;
    private static final int H_FIRST = 16;
    private static final int H_COUNT = 24;
    private static final int H_CURSOR = 32;
    private static final int H_GENERATION = 40;
    private static final int H_ERRORS = 48;
    private static final int H_VERSIONS = 56;

    @Override
    protected void main(Domu domu) {
        GuestMemory m = domu.memory();
        if (domu.param("balloon", 0) != 0 && domu.hasXenstore()) {
            domu.balloon(); // follow memory/target (mem-set) at every clean point
        }
        long header = domu.pagesFor("memcheck.header", 1) << Xen.PAGE_SHIFT;
        boolean fresh = m.getInt(header + H_MAGIC) != MAGIC;
        if (fresh) {
            long seed = domu.param("seed", 0x5eed);
            long free = domu.pages().freePages();
            long count = Math.min(domu.param("pages", free - 64), free - 64);
            int versionPages = (int) ((4 * count + Xen.PAGE_SIZE - 1) / Xen.PAGE_SIZE);
            count = Math.max(1, Math.min(count, free - 64 - versionPages));
            long versions = domu.pagesFor("memcheck.versions", versionPages) << Xen.PAGE_SHIFT;
            long first = domu.pagesFor("memcheck.pages", (int) count);
            m.setMemory(versions, 4 * count, (byte) 0);
            m.putLong(header + H_SEED, seed);
            m.putLong(header + H_FIRST, first);
            m.putLong(header + H_COUNT, count);
            m.putLong(header + H_CURSOR, 0);
            m.putLong(header + H_GENERATION, 0);
            m.putLong(header + H_ERRORS, 0);
            m.putLong(header + H_VERSIONS, versions);
            domu.publish("data/memcheck/status", "filling");
            for (long i = 0; i < count; i++) {
                fill(m, seed, first + i, 0);
                if ((i & 1023) == 1023) {
                    domu.checkpoint();
                }
            }
            m.putInt(header + H_MAGIC, MAGIC);
        }
        long generation = m.getLong(header + H_GENERATION) + 1;
        m.putLong(header + H_GENERATION, generation);
        Region r = new Region(m, header);
        long errors = r.verifyAll();
        publish(domu, r, errors, generation);
        domu.printf("memcheck: generation %d, %d pages verified, %d errors%n", generation, r.count, errors);

        long rate = domu.param("dirty_rate", 1000);
        long tickMs = Math.max(1, domu.param("tick_ms", 50));
        long verifyEvery = domu.param("verify_every", 0);
        long perTick = Math.max(rate > 0 ? 1 : 0, rate * tickMs / 1000);
        boolean onRequest = domu.param("verify_on_request", 0) != 0 && domu.hasXenstore();
        long ticks = 0;
        long passes = 0;
        while (true) {
            r.rewrite(perTick);
            domu.sleep(tickMs * 1_000_000L);
            boolean due = verifyEvery > 0 && ++ticks % verifyEvery == 0;
            boolean asked = onRequest && !domu.xenstore().readOr("data/memcheck/verify", "").isEmpty();
            if (due || asked) {
                errors = r.verifyAll();
                publish(domu, r, errors, generation);
                if (asked) {
                    domu.xenstore().write("data/memcheck/verify", "");
                }
                domu.publish("data/memcheck/passes", Long.toString(++passes));
                domu.printf("memcheck: pass %d after %d rewrites, %d pages verified, %d errors%n",
                        passes, m.getLong(header + H_CURSOR), r.count, errors);
            }
        }
    }

    private static void publish(Domu domu, Region r, long errors, long generation) {
        if (!domu.hasXenstore()) {
            return;
        }
        var xs = domu.xenstore();
        xs.transaction(tx -> {
            xs.write(tx, "data/memcheck/verified_pages", Long.toString(r.count));
            xs.write(tx, "data/memcheck/errors", Long.toString(errors));
            xs.write(tx, "data/memcheck/generation", Long.toString(generation));
            xs.write(tx, "data/memcheck/status", errors == 0 ? "ok" : "errors");
            return null;
        });
    }

    /** The tested pages and their versions, all in guest memory. */
    static final class Region {
        final GuestMemory m;
        final long header;
        final long seed;
        final long first;
        final long count;
        final long versions;

        Region(GuestMemory m, long header) {
            this.m = m;
            this.header = header;
            this.seed = m.getLong(header + H_SEED);
            this.first = m.getLong(header + H_FIRST);
            this.count = m.getLong(header + H_COUNT);
            this.versions = m.getLong(header + H_VERSIONS);
        }

        long verifyAll() {
            long errors = 0;
            for (long i = 0; i < count; i++) {
                if (!verify(m, seed, first + i, m.getInt(versions + 4 * i))) {
                    errors++;
                }
            }
            m.putLong(header + H_ERRORS, errors);
            return errors;
        }

        void rewrite(long pages) {
            long cursor = m.getLong(header + H_CURSOR);
            for (long k = 0; k < pages; k++) {
                long i = cursor++ % count;
                int v = m.getInt(versions + 4 * i) + 1;
                fill(m, seed, first + i, v);
                m.putInt(versions + 4 * i, v); // page first, then its version: a clean point is never between
            }
            m.putLong(header + H_CURSOR, cursor);
        }
    }

    static long word(long seed, long pfn, int version, int i) {
        long x = seed * 0x9E3779B97F4A7C15L ^ pfn * 0xC2B2AE3D27D4EB4FL ^ ((long) version << 32 | i);
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return x;
    }

    static void fill(GuestMemory m, long seed, long pfn, int version) {
        long a = pfn << Xen.PAGE_SHIFT;
        for (int i = 0; i < Xen.PAGE_SIZE / 8; i++) {
            m.putLong(a + 8L * i, word(seed, pfn, version, i));
        }
    }

    static boolean verify(GuestMemory m, long seed, long pfn, int version) {
        long a = pfn << Xen.PAGE_SHIFT;
        for (int i = 0; i < Xen.PAGE_SIZE / 8; i++) {
            if (m.getLong(a + 8L * i) != word(seed, pfn, version, i)) {
                return false;
            }
        }
        return true;
    }
}
