package dev.domus.dom0.toolstack;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.domus.dom0.config.Sizes;
import dev.domus.dom0.control.CommandException;
import dev.domus.dom0.control.Json;
import dev.domus.dom0.overcommit.MemoryManager;
import dev.domus.dom0.overcommit.MemoryOps;
import dev.domus.dom0.overcommit.Pager;
import dev.domus.dom0.overcommit.SharingScanner;

/**
 * The toolstack's side of memory overcommit: the {@code mem-share} and {@code mem-pager}
 * commands, the balloon columns of {@code list} and the overcommit lines of {@code info}
 * (the work itself is in {@link dev.domus.dom0.overcommit}).
 */
final class Overcommit {

    private Overcommit() {
    }

    /** The smallest target mem-set accepts: the guest's kernel, SDK and balloon bookkeeping. */
    static long floorMib(long memoryMib) {
        return Math.max(2, memoryMib / 8);
    }

    /** {@code --timeout SECONDS} among {@code args}, else {@code dflt}. */
    static long timeoutMillis(List<String> args, long dflt) throws CommandException {
        int i = args.indexOf("--timeout");
        if (i < 0) {
            return dflt;
        }
        try {
            long s = Long.parseLong(args.get(i + 1));
            if (s < 1 || s > 3600) {
                throw new NumberFormatException();
            }
            return s * 1000;
        } catch (RuntimeException e) {
            throw new CommandException("--timeout needs a number of seconds from 1 to 3600");
        }
    }

    private static long pages(String size) throws CommandException {
        try {
            return Sizes.parseMib(size) * 256;
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
    }

    /** {@code mem-share [--every SECONDS] [DOM...]}. */
    static String memShare(Toolstack ts, MemoryManager mm, List<String> args) throws CommandException {
        List<String> doms = new ArrayList<>(args);
        int every = doms.indexOf("--every");
        if (every >= 0) {
            long s;
            try {
                s = Long.parseLong(doms.get(every + 1));
                if (s < 0 || s > 86_400) {
                    throw new NumberFormatException();
                }
            } catch (RuntimeException e) {
                throw new CommandException("mem-share --every needs a number of seconds from 0 (off) to 86400");
            }
            mm.shareEvery(s);
            return s == 0 ? "periodic sharing off" : "sharing scan every " + s + " s";
        }
        List<Integer> ids = new ArrayList<>();
        if (doms.isEmpty()) {
            for (MemoryManager.Guest g : ts.guests()) {
                MemoryOps.DomainPages p = mm.ops().domainPages(g.domid());
                if (p != null && !p.paused() && !p.dying()) {
                    ids.add(g.domid());
                }
            }
        } else {
            for (String d : doms) {
                int domid = ts.domidOf(d);
                MemoryOps.DomainPages p = mm.ops().domainPages(domid);
                if (p == null || p.dying()) {
                    throw new CommandException("mem-share: domain " + d + " is dying; nothing was shared");
                }
                if (p.paused()) {
                    throw new CommandException("mem-share: domain " + d + " is paused (it may be being saved or migrated):"
                            + " unpause it first; nothing was shared");
                }
                ids.add(domid);
            }
        }
        SharingScanner.Result r = mm.share(ids);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("scanned %d pages (%.1f MiB) of %d domains in %d ms (%.2f GiB/s): %d pages shared"
                        + " (%d zero), %d candidates differed%n", r.scannedPages(), r.scannedPages() / 256.0, ids.size(),
                r.nanos() / 1_000_000, r.gibPerSecond(), r.sharedPages(), r.zeroPages(), r.differed()));
        sb.append(String.format("%-6s %12s%n", "ID", "Saved(MiB)"));
        for (Map.Entry<Integer, Long> e : r.savedByDomain().entrySet()) {
            sb.append(String.format("%-6d %12.2f%n", e.getKey(), e.getValue() / 256.0));
        }
        sb.append(String.format("host: %d frames saved by sharing (%.1f MiB), %d shared frames%n",
                mm.ops().sharingFreedPages(), mm.ops().sharingFreedPages() / 256.0, mm.ops().sharedFrames()));
        return sb.toString();
    }

    /** {@code mem-pager [--low SIZE --high SIZE | --off] [--page-out SIZE [DOM...]]}. */
    static String memPager(Toolstack ts, MemoryManager mm, List<String> args) throws CommandException {
        StringBuilder sb = new StringBuilder();
        if (args.contains("--off")) {
            mm.watermarks(0, 0);
        }
        int lo = args.indexOf("--low");
        int hi = args.indexOf("--high");
        if (lo >= 0 || hi >= 0) {
            if (lo < 0 || hi < 0 || lo + 1 >= args.size() || hi + 1 >= args.size()) {
                throw new CommandException("mem-pager: give both --low SIZE and --high SIZE (e.g. --low 8M --high 16M)");
            }
            long low = pages(args.get(lo + 1));
            long high = pages(args.get(hi + 1));
            if (high < low) {
                throw new CommandException("mem-pager: --high " + args.get(hi + 1) + " is below --low " + args.get(lo + 1));
            }
            mm.watermarks(low, high);
        }
        int po = args.indexOf("--page-out");
        if (po >= 0) {
            if (po + 1 >= args.size()) {
                throw new CommandException("mem-pager --page-out needs a size (e.g. 4M)");
            }
            long want = pages(args.get(po + 1));
            List<Integer> ids = new ArrayList<>();
            for (String d : args.subList(po + 2, args.size())) {
                if (!d.startsWith("--")) {
                    ids.add(ts.domidOf(d));
                }
            }
            if (ids.isEmpty()) {
                ts.guests().forEach(g -> ids.add(g.domid()));
            }
            Pager.Result r = mm.pageOut(want, ids);
            sb.append(String.format("paged out %d pages (%.1f MiB) %s; %d second chances, %d written meanwhile%n",
                    r.pagedOut(), r.pagedOut() / 256.0, r.byDomain(), r.secondChance(), r.busy()));
            if (r.error() != null) {
                throw new CommandException("mem-pager: " + r.error() + " (" + r.pagedOut() + " pages were paged out"
                        + " before; no page lost)");
            }
        }
        sb.append(String.format("pager: low watermark %.1f MiB, high %.1f MiB%s; %d pages paged out so far%n",
                mm.lowFrames() / 256.0, mm.highFrames() / 256.0, mm.lowFrames() == 0 ? " (off)" : "",
                mm.totalPagedOut()));
        return sb.toString();
    }

    static String targetText(MemoryManager mm, int domid) {
        MemoryManager.Target t = mm.target(domid);
        return t == null ? "-" : Long.toString(t.pages() / 256);
    }

    static String balloonState(MemoryManager mm, int domid) {
        MemoryManager.Target t = mm.target(domid);
        return t == null ? "" : t.state().equals("stalled") ? "stalled!" : t.state();
    }

    static String listJson(MemoryManager mm, DomainInfo i) {
        MemoryManager.Target t = mm.target(i.domid());
        return t == null ? "" : ",\"target_mib\":" + t.pages() / 256 + ",\"balloon\":" + Json.quote(t.state());
    }

    /** Host totals of the three mechanisms, in pages. */
    private static long[] totals(MemoryManager mm, List<MemoryManager.Guest> guests) {
        long paged = 0;
        long ballooned = 0;
        long pageIns = 0;
        for (MemoryManager.Guest g : guests) {
            MemoryOps.DomainPages p = mm.ops().domainPages(g.domid());
            if (p != null) {
                paged += p.pagedPages();
                ballooned += Math.max(0, g.memoryPages() - p.totPages());
                pageIns += mm.pageIns(g.domid(), p.pagedPages());
            }
        }
        return new long[] {mm.ops().sharedFrames(), mm.ops().sharingFreedPages(), paged, ballooned, pageIns};
    }

    /** The pager's work so far: pages evicted, the time it took, and how many came back. */
    private static String pagerText(MemoryManager mm, long pageIns) {
        double secs = mm.pagingNanos() / 1e9;
        return String.format("%d pages paged out in %.1f s of paging (%.0f pages/s), %d of them paged back in"
                + " by the guests", mm.totalPagedOut(), secs, secs > 0 ? mm.totalPagedOut() / secs : 0.0, pageIns);
    }

    static String infoText(MemoryManager mm, List<MemoryManager.Guest> guests) {
        long[] t = totals(mm, guests);
        return String.format("shared_memory          : %d%nsharing_saved          : %d%npaged_out_memory       : %d%n"
                        + "ballooned_memory       : %d%npager_watermarks       : %d-%d%s%npager                  : %s%n",
                t[0] / 256, t[1] / 256, t[2] / 256, t[3] / 256, mm.lowFrames() / 256, mm.highFrames() / 256,
                mm.pagingError() == null ? "" : " (stopped: " + mm.pagingError() + ")", pagerText(mm, t[4]));
    }

    static String infoJson(MemoryManager mm, List<MemoryManager.Guest> guests) {
        long[] t = totals(mm, guests);
        return ",\"shared_memory_kib\":" + t[0] * 4 + ",\"sharing_saved_kib\":" + t[1] * 4
                + ",\"paged_out_kib\":" + t[2] * 4 + ",\"ballooned_kib\":" + t[3] * 4
                + ",\"pager_paged_out_pages\":" + mm.totalPagedOut() + ",\"pager_page_ins\":" + t[4]
                + ",\"pager_ms\":" + mm.pagingNanos() / 1_000_000
                + ",\"paging_error\":" + Json.quote(mm.pagingError() == null ? "" : mm.pagingError());
    }
}
