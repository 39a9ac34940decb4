package dev.domus.dom0.overcommit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.domus.abi.Xen;
import dev.domus.dom0.daemon.EventSink;
import dev.domus.dom0.xenstore.ring.Dom0Calls;
import dev.domus.hv.boot.Dom0;

/**
 * Dom0's memory manager for an overcommitted host: it follows balloon targets (a guest that
 * does not reach its target in time is reported, never forced), runs the sharing scanner on
 * demand and periodically, and runs the pager when free memory falls under the low watermark
 * (paging out until the high watermark is reached). Mechanisms in order of cost: ballooning
 * is the guest's own business, sharing costs a scan, paging costs disk I/O on every touch.
 *
 * <p>Paging is on demand, not on a timer: the pager thread sleeps in {@code SCHEDOP_poll} on
 * {@code VIRQ_ENOMEM}, which the hypervisor raises the moment free frames fall under the low
 * watermark (the manager sets it as the hypervisor's low-memory threshold) or an allocation
 * finds no frame (a vCPU waits for one); it then pages out in batches until the high watermark
 * is reached. A daemon thread ticks every {@value #TICK_MILLIS} ms for balloons and periodic
 * sharing (and wakes the pager if memory is low, should a signal have been missed); the
 * console's commands call in from the toolstack's threads. Everything is serialised on this
 * object except the scans and passes themselves, which are serialised on the scanner and the
 * pager.
 */
public final class MemoryManager implements AutoCloseable {

    /** Event: a guest has not reached its balloon target within the timeout. */
    public static final String BALLOON_STALLED = "balloon-stalled";
    /** Event: a guest reached its balloon target. */
    public static final String BALLOON_REACHED = "balloon-reached";
    /** Event: the pager stopped (paging file full or unwritable). */
    public static final String PAGING_STOPPED = "paging-stopped";
    /** Event: a sharing scan freed frames. */
    public static final String SHARED = "shared";

    static final long TICK_MILLIS = 100;
    /** Default time a guest gets to reach a new balloon target. */
    public static final long DEFAULT_BALLOON_TIMEOUT_MILLIS = 10_000;
    /** Pages a guest may stay away from its target and still count as having reached it. */
    static final long BALLOON_SLACK_PAGES = 16;

    /** A guest as the toolstack knows it. */
    public record Guest(int domid, String name, long memoryPages) {
    }

    /** A guest's balloon target and how it is doing. */
    public record Target(long pages, long deadlineNanos, String state) {
    }

    private final MemoryOps ops;
    private final SharingScanner scanner;
    private final Pager pager;
    private final EventSink events;
    private final Supplier<List<Guest>> guests;
    private final LongSupplier freeFrames;
    private final Map<Integer, Target> targets = new HashMap<>();
    private final Thread thread;
    private final Dom0Calls calls;
    private final int enomemPort;
    private final int wakePort;
    private final int wakeSender;
    private final Thread pagerThread;
    private long lowFrames;
    private long highFrames;
    private long shareEveryNanos;
    private long lastShareNanos = System.nanoTime();
    private String pagingError;
    private long pagerWakeups;
    private SharingScanner.Result lastScan;
    private volatile boolean closed;

    /**
     * Starts the manager's thread.
     *
     * @param guests      the guest domains now (from the toolstack)
     * @param freeFrames  the host's free frames now (XEN_SYSCTL_physinfo), or -1 if unknown
     * @param totalFrames the host's frames, for the default watermarks
     */
    public MemoryManager(Dom0 dom0, EventSink events, Supplier<List<Guest>> guests, LongSupplier freeFrames,
                         long totalFrames) {
        this.freeFrames = freeFrames;
        this.ops = new MemoryOps(dom0);
        this.scanner = new SharingScanner(dom0, ops);
        this.pager = new Pager(ops);
        this.events = events;
        this.guests = guests;
        // Default watermarks: keep 1/32 of the host free, page out to 1/16 (at least 2 and 4 MiB).
        this.lowFrames = Math.max(512, totalFrames / 32);
        this.highFrames = Math.max(1024, totalFrames / 16);
        ops.lowMemoryThreshold(lowFrames);
        this.calls = new Dom0Calls(dom0);
        long port = ops.bindLowMemoryVirq();
        if (port < 0) {
            throw new IllegalStateException("cannot bind VIRQ_ENOMEM (error " + (-port) + ")");
        }
        this.enomemPort = (int) port;
        this.wakePort = calls.allocUnbound(0);
        this.wakeSender = calls.bindInterdomain(0, wakePort);
        this.pagerThread = new Thread(this::pagerLoop, "dom0-pager");
        pagerThread.setDaemon(true);
        pagerThread.start();
        this.thread = new Thread(this::run, "dom0-memory-manager");
        thread.setDaemon(true);
        thread.start();
    }

    /** The Dom0 hypercall wrappers this manager uses (for counters). */
    public MemoryOps ops() {
        return ops;
    }

    // ---------------------------------------------------------------- balloon

    /** The toolstack wrote a new target for {@code domid}; it is watched until reached or late. */
    public synchronized void targetSet(int domid, long pages, long timeoutMillis) {
        targets.put(domid, new Target(pages, System.nanoTime() + timeoutMillis * 1_000_000L, "pending"));
    }

    /** The balloon state of a domain: {@code ""} (no target set), pending, reached or stalled. */
    public synchronized Target target(int domid) {
        return targets.get(domid);
    }

    /** Forgets a destroyed domain. */
    public synchronized void forget(int domid) {
        targets.remove(domid);
        pager.forget(domid);
    }

    private void checkBalloons(List<Guest> now) {
        List<Object[]> report = new ArrayList<>();
        synchronized (this) {
            for (Guest g : now) {
                Target t = targets.get(g.domid());
                if (t == null) {
                    continue;
                }
                MemoryOps.DomainPages p = ops.domainPages(g.domid());
                if (p == null) {
                    continue;
                }
                boolean met = Math.abs(p.totPages() - t.pages()) <= BALLOON_SLACK_PAGES;
                if (met && !t.state().equals("reached")) {
                    targets.put(g.domid(), new Target(t.pages(), t.deadlineNanos(), "reached"));
                    report.add(new Object[] {BALLOON_REACHED, g, "target " + mibText(t.pages()) + " reached"});
                } else if (!met && t.state().equals("pending") && System.nanoTime() - t.deadlineNanos() > 0) {
                    targets.put(g.domid(), new Target(t.pages(), t.deadlineNanos(), "stalled"));
                    report.add(new Object[] {BALLOON_STALLED, g, "holds " + mibText(p.totPages()) + ", target "
                            + mibText(t.pages()) + ": the guest's balloon driver did not follow in time (not forced)"});
                } else if (!met && t.state().equals("reached")) {
                    targets.put(g.domid(), new Target(t.pages(), t.deadlineNanos(), "pending"));
                }
            }
        }
        for (Object[] r : report) {
            Guest g = (Guest) r[1];
            events.domainEvent((String) r[0], g.domid(), g.name(), (String) r[2]);
        }
    }

    // ---------------------------------------------------------------- sharing

    /** Runs one sharing scan over {@code domids} now. */
    public SharingScanner.Result share(List<Integer> domids) {
        SharingScanner.Result r = scanner.scan(domids);
        synchronized (this) {
            lastScan = r;
            lastShareNanos = System.nanoTime();
        }
        return r;
    }

    /** Periodic sharing every {@code seconds} (0 turns it off). */
    public synchronized void shareEvery(long seconds) {
        shareEveryNanos = seconds * 1_000_000_000L;
    }

    public synchronized long shareEverySeconds() {
        return shareEveryNanos / 1_000_000_000L;
    }

    public synchronized SharingScanner.Result lastScan() {
        return lastScan;
    }

    // ---------------------------------------------------------------- paging

    /** Sets the pager's watermarks in frames ({@code low = 0} turns the pager off). */
    public synchronized void watermarks(long low, long high) {
        if (low < 0 || high < low) {
            throw new IllegalArgumentException("watermarks: need 0 <= low <= high (low " + low + ", high " + high + ")");
        }
        lowFrames = low;
        highFrames = high;
        pagingError = null;
        ops.lowMemoryThreshold(low);
        wakePager();
    }

    public synchronized long lowFrames() {
        return lowFrames;
    }

    public synchronized long highFrames() {
        return highFrames;
    }

    /** Why the pager last stopped, or null. */
    public synchronized String pagingError() {
        return pagingError;
    }

    public long totalPagedOut() {
        return pager.totalPagedOut();
    }

    /** Time the pager has spent paging out, in nanoseconds. */
    public long pagingNanos() {
        return pager.totalNanos();
    }

    /** Pages the pager evicted from {@code domid} that are back in memory ({@code pagedNow}: still out). */
    public long pageIns(int domid, long pagedNow) {
        return Math.max(0, pager.evictedFrom(domid) - pagedNow);
    }

    /** Times the pager thread woke (VIRQ_ENOMEM, the tick's nudge, or a watermark change). */
    public synchronized long pagerWakeups() {
        return pagerWakeups;
    }

    private void wakePager() {
        if (!closed) {
            calls.send(wakeSender);
        }
    }

    /** The pager thread: pages out whenever it is woken and memory is under the low watermark. */
    private void pagerLoop() {
        try {
            while (!closed) {
                calls.testAndClearPending(enomemPort);
                calls.testAndClearPending(wakePort);
                synchronized (this) {
                    pagerWakeups++;
                }
                // Page out to the high watermark; go on while the guests eat the frames as fast
                // as they are freed (the hypervisor signals a fall under the threshold only once).
                long free = freeFrames.getAsLong();
                while (!closed && free >= 0 && maybePage(guests.get(), free)) {
                    free = freeFrames.getAsLong();
                }
                if (closed || calls.poll(enomemPort, wakePort) < 0) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            if (!closed) {
                System.err.println("domusd: pager: " + e);
            }
        }
    }

    /** Pages out up to {@code pages} pages of {@code domids} now (biggest domains first). */
    public Pager.Result pageOut(long pages, List<Integer> domids) {
        Pager.Result r = pager.pageOut(pages, domids);
        if (r.error() != null) {
            synchronized (this) {
                pagingError = r.error();
            }
        }
        return r;
    }

    /**
     * Host policy for a create that does not fit: makes {@code pages} frames plus the low
     * watermark free, cheapest mechanism first: a sharing scan of the running guests, then paging.
     * (Ballooning is the guests' own pace and is never forced.)
     *
     * @return a line saying what was done
     */
    public String makeRoom(long pages) {
        List<Guest> now = guests.get();
        long want = pages + lowFrames();
        long free = freeFrames.getAsLong();
        StringBuilder sb = new StringBuilder();
        if (free < want) {
            List<Integer> ids = new ArrayList<>();
            for (Guest g : now) {
                MemoryOps.DomainPages p = ops.domainPages(g.domid());
                if (p != null && !p.paused() && !p.dying()) {
                    ids.add(g.domid());
                }
            }
            SharingScanner.Result r = share(ids);
            sb.append("shared ").append(r.sharedPages()).append(" pages");
            free = freeFrames.getAsLong();
        }
        if (free < want) {
            List<Integer> order = biggestFirst(now);
            Pager.Result r = pageOut(want - free, order);
            sb.append(sb.length() == 0 ? "" : ", ").append("paged out ").append(r.pagedOut()).append(" pages");
        }
        return sb.toString();
    }

    private List<Integer> biggestFirst(List<Guest> now) {
        List<Guest> order = new ArrayList<>(now);
        Map<Integer, Long> resident = new HashMap<>();
        for (Guest g : order) {
            MemoryOps.DomainPages p = ops.domainPages(g.domid());
            resident.put(g.domid(), p == null ? 0 : p.totPages() - p.pagedPages() - p.sharedPages());
        }
        order.sort(Comparator.comparing((Guest g) -> -resident.get(g.domid())));
        return order.stream().map(Guest::domid).toList();
    }

    /** Pages out to the high watermark if free memory is under the low one; true if it paged anything. */
    private boolean maybePage(List<Guest> now, long free) {
        long low;
        long high;
        synchronized (this) {
            low = lowFrames;
            high = highFrames;
            if (pagingError != null) {
                return false; // stopped until the operator sets the watermarks again
            }
        }
        if (low == 0 || free >= low || now.isEmpty()) {
            return false;
        }
        Pager.Result r = pageOut(Math.max(1, high - free), biggestFirst(now));
        if (r.error() != null) {
            events.domainEvent(PAGING_STOPPED, 0, "Domain-0", r.error() + " (" + r.pagedOut()
                    + " pages paged out in this pass; no page lost)");
        }
        return r.pagedOut() > 0 && r.error() == null;
    }

    // ---------------------------------------------------------------- the tick

    private void run() {
        while (!closed) {
            try {
                tick();
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    System.err.println("domusd: memory manager: " + e);
                }
            }
        }
    }

    /** One round: balloons, then paging if free memory is low, then a due sharing scan. */
    void tick() {
        List<Guest> now = guests.get();
        checkBalloons(now);
        long free = freeFrames.getAsLong();
        synchronized (this) {
            if (free >= 0 && free < lowFrames && pagingError == null) {
                wakePager(); // the pager should be at it already: a nudge costs nothing
            }
        }
        boolean due;
        synchronized (this) {
            due = shareEveryNanos > 0 && System.nanoTime() - lastShareNanos >= shareEveryNanos;
        }
        if (due) {
            List<Integer> ids = new ArrayList<>();
            for (Guest g : now) {
                MemoryOps.DomainPages p = ops.domainPages(g.domid());
                if (p != null && !p.paused() && !p.dying()) {
                    ids.add(g.domid());
                }
            }
            SharingScanner.Result r = share(ids);
            for (Map.Entry<Integer, Long> e : r.savedByDomain().entrySet()) {
                String name = now.stream().filter(g -> g.domid() == e.getKey()).map(Guest::name).findFirst().orElse("");
                events.domainEvent(SHARED, e.getKey(), name, e.getValue() + " frames freed by periodic sharing");
            }
        }
    }

    static String mibText(long pages) {
        return (pages * Xen.PAGE_SIZE >> 20) + " MiB";
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        calls.send(wakeSender);
        try {
            thread.join(5000);
            pagerThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            ops.lowMemoryThreshold(0);
        } catch (RuntimeException e) {
            // the host is going down with Dom0: nothing left to tell
        }
        calls.closePort(enomemPort);
        calls.closePort(wakeSender);
        calls.closePort(wakePort);
        calls.close();
        ops.close();
    }
}
