package dev.domus.dom0.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.Channels;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.dom0.migrate.MigrationException.Outcome;
import dev.domus.dom0.overcommit.MemoryOps;
import dev.domus.dom0.overcommit.PageTypes;
import dev.domus.dom0.save.GuestPageIo;
import dev.domus.dom0.save.ImageWriter;
import dev.domus.dom0.save.PageBatch;
import dev.domus.dom0.save.SavedDomainInfo;
import dev.domus.hv.boot.Dom0;

/**
 * The source side of a live migration (pre-copy, as Clark et al. and Xen's libxc do it):
 * log-dirty on; round 1 sends every page; each later round sends the pages dirtied during
 * the one before, until few are left ({@value #DIRTY_THRESHOLD} pages, Xen's default) or the
 * round limit is reached; then the guest is suspended (cooperatively, by the caller), the
 * last dirty pages, the vCPU and xenstore state and END go out, and the target is told to
 * commit (see {@link MigrationProtocol}). Pages are read through read-only foreign maps, so
 * reading them does not dirty them; zero pages go as type-only entries (no data). As a save
 * does, each round first reads the P2M types of the PFNs it sends: a paged-out page's data is
 * read from the domain's paging file ({@code XENMEM_paging_op_domus_read}), never paged in
 * (a migration off an overcommitted host must not grow its memory), and a ballooned PFN goes
 * as absent. A PFN the guest balloons out or in during the migration is marked dirty by the
 * hypervisor, so the next round sends it as it is then: absent, or populated with its data.
 *
 * <p>On failure before the commit point nothing here destroys or resumes anything: the
 * exception's {@link MigrationException#outcome()} tells the caller what to do.
 */
public final class MigrationSender {

    /** Default cap on pre-copy rounds (libxc's default is 5 iterations as well). */
    public static final int DEFAULT_MAX_ROUNDS = 5;
    /** Stop pre-copying once a round leaves at most this many dirty pages (Xen's 50). */
    static final long DIRTY_THRESHOLD = 50;
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    /** Guards reads of the target's answers against a target that hangs (never the sync itself). */
    private static final int READ_TIMEOUT_MS = 60_000;
    /** A target that takes no bytes for this long is given up (a socket write has no timeout of its own). */
    private static final long STALL_NANOS = 60_000_000_000L;
    private static final int PAGE = Xen.PAGE_SIZE;

    /** What the toolstack does for the sender. */
    public interface Source {
        /** Asks the guest to suspend and waits; throws with the reason if it does not (it keeps running). */
        void suspend() throws Exception;

        /** The domain's xenstore subtree, relative to its home. */
        Map<String, String> xenstore();

        /** {vcpu_id, online 0/1, cpu time ns} per vCPU. */
        long[][] vcpus();
    }

    /** Told as the migration goes (for a progress display). */
    @FunctionalInterface
    public interface Progress {
        /**
         * @param round      the round under way (counting from 1)
         * @param stopAndCopy whether it is the last round, with the domain suspended
         * @param pagesDone  pages sent in this round so far
         * @param pagesRound pages this round sends
         * @param bytes      bytes sent so far in total
         */
        void update(int round, boolean stopAndCopy, long pagesDone, long pagesRound, long bytes);
    }

    private final Dom0 dom0;

    public MigrationSender(Dom0 dom0) {
        this.dom0 = dom0;
    }

    /**
     * Migrates {@code domid} to the domusd listening at {@code hostPort}. Returns the report once
     * the target has confirmed that the domain runs there; the caller then destroys its copy.
     */
    public MigrationReport migrate(int domid, SavedDomainInfo info, String configSource, String configText,
                                   Source source, String hostPort, int maxRounds, Progress progress)
            throws MigrationException {
        return new Run(domid, info, source, hostPort, maxRounds, progress == null ? (a, b, c, d, e) -> { } : progress)
                .go(configSource, configText);
    }

    /** One migration. */
    private final class Run {
        private final int domid;
        private final SavedDomainInfo info;
        private final Source source;
        private final String hostPort;
        private final int maxRounds;
        private final Progress progress;
        private final MigrationReport report = new MigrationReport();
        private final String id = Long.toHexString(ThreadLocalRandom.current().nextLong());
        private final long[] pfns = new long[GuestPageIo.BATCH];
        private final int[] err = new int[GuestPageIo.BATCH];
        private final byte[] page = new byte[PAGE];
        private final PageBatch batch = new PageBatch();
        private final int[] types = new int[MemoryOps.TYPE_BATCH];
        private long pagedCarried;
        private InputStream in;
        private ImageWriter w;
        private String phase = "connecting";
        /** Page entries the target reports loaded (its LOADED lines). */
        private long loadedByTarget;
        private long stoppedAt;

        Run(int domid, SavedDomainInfo info, Source source, String hostPort, int maxRounds, Progress progress) {
            this.domid = domid;
            this.info = info;
            this.source = source;
            this.hostPort = hostPort;
            this.maxRounds = Math.max(1, maxRounds);
            this.progress = progress;
            report.domain = info.name();
            report.sourceDomid = domid;
            report.target = hostPort;
        }

        private MigrationException fail(String why, Outcome outcome) {
            return new MigrationException(why, outcome, report);
        }

        MigrationReport go(String configSource, String configText) throws MigrationException {
            long t0 = System.nanoTime();
            InetSocketAddress to = address(hostPort);
            boolean committed = false;
            boolean done = false;
            try (Socket s = new Socket(); GuestPageIo io = new GuestPageIo(dom0); MemoryOps ops = new MemoryOps(dom0);
                 LogDirty dirty = new LogDirty(dom0, domid, info.nrPages())) {
                try {
                    s.connect(to, CONNECT_TIMEOUT_MS);
                } catch (IOException e) {
                    throw fail("cannot connect to the target " + hostPort + ": " + message(e)
                            + " (is a domusd there started with --listen " + hostPort + "?)", Outcome.SOURCE);
                }
                s.setTcpNoDelay(true);
                s.setSoTimeout(READ_TIMEOUT_MS);
                Thread watchdog = watchdog(s);
                OutputStream out = s.getOutputStream();
                in = s.getInputStream();
                try {
                    phase = "the stream's start";
                    MigrationProtocol.writeLine(out, MigrationProtocol.HELLO + " " + id);
                    w = new ImageWriter(Channels.newChannel(out));
                    w.domainInfo(info);
                    if (configText != null) {
                        w.config(configSource == null ? "" : configSource, configText);
                    }
                    w.flush();
                    long rc = dirty.enable();
                    if (rc < 0) {
                        throw fail("cannot turn on log-dirty tracking of domain " + domid + ": XEN error " + (-rc),
                                Outcome.SOURCE);
                    }
                    long[] pending = new long[(int) ((info.nrPages() + 63) / 64)];
                    dirty.clean(new long[pending.length]); // from here on every write is seen
                    for (long p = 0; p < info.nrPages(); p++) {
                        pending[(int) (p >>> 6)] |= 1L << (p & 63);
                    }
                    for (int round = 1; ; round++) {
                        phase = "pre-copy round " + round;
                        long t = System.nanoTime();
                        long b0 = w.bytes();
                        long sent = send(io, ops, pending, round, false);
                        long left = clean(dirty, pending);
                        report.rounds.add(new MigrationReport.Round(round, sent, left, w.bytes() - b0,
                                System.nanoTime() - t, false));
                        if (left <= DIRTY_THRESHOLD || round >= maxRounds) {
                            break;
                        }
                    }
                    phase = "waiting for the target to load the pre-copy rounds";
                    long tw = System.nanoTime();
                    awaitLoaded(batch.normalPages() + batch.zeroPages() + batch.absentPages());
                    report.targetWaitNanos = System.nanoTime() - tw;
                    phase = "the suspend";
                    long ts = System.nanoTime();
                    try {
                        source.suspend();
                    } catch (Exception e) {
                        throw fail(message(e), Outcome.SOURCE);
                    }
                    long stopped = System.nanoTime();
                    stoppedAt = stopped;
                    report.suspendNanos = stopped - ts;
                    int last = report.rounds.size() + 1;
                    phase = "stop-and-copy (round " + last + ")";
                    long b0 = w.bytes();
                    clean(dirty, pending);
                    long sent = send(io, ops, pending, last, true);
                    for (long[] v : source.vcpus()) {
                        w.vcpu((int) v[0], v[1] != 0, v[2]);
                    }
                    w.xenstore(source.xenstore());
                    writingSince = System.nanoTime();
                    w.finish();
                    writingSince = 0;
                    report.rounds.add(new MigrationReport.Round(last, sent, 0, w.bytes() - b0,
                            System.nanoTime() - stopped, true));
                    phase = "the target's check of the stream";
                    String ready = answer();
                    if (!MigrationProtocol.READY.equals(MigrationProtocol.word(ready))) {
                        throw fail("the target " + hostPort + " did not take the domain: " + refusal(ready), Outcome.SOURCE);
                    }
                    phase = "the commit";
                    MigrationProtocol.writeLine(out, MigrationProtocol.COMMIT);
                    committed = true;
                    String confirm = answer();
                    if (!MigrationProtocol.DONE.equals(MigrationProtocol.word(confirm))) {
                        throw fail("the target " + hostPort + " did not start the domain: " + refusal(confirm),
                                Outcome.SOURCE);
                    }
                    report.targetDomid = Integer.parseInt(MigrationProtocol.rest(confirm).trim());
                    report.downtimeNanos = System.nanoTime() - stopped;
                    report.bytes = w.bytes();
                    report.zeroPages = batch.zeroPages();
                    report.absentPages = batch.absentPages();
                    report.pagedPages = pagedCarried;
                    report.totalNanos = System.nanoTime() - t0;
                    done = true;
                    return report;
                } catch (IOException e) {
                    if (committed) {
                        return afterLostCommit(to, e, t0);
                    }
                    String said = targetSaid();
                    throw fail(said != null ? "the target " + hostPort + " stopped the migration during " + phase + ": "
                            + said : "lost the connection to the target " + hostPort + " during " + phase + ": "
                            + message(e), Outcome.SOURCE);
                } finally {
                    watchdog.interrupt();
                    if (!done) {
                        dirty.off();
                    }
                }
            } catch (IOException e) {
                throw fail("migration to " + hostPort + " failed: " + message(e), Outcome.SOURCE);
            } catch (NumberFormatException e) {
                throw fail("the target " + hostPort + " answered nonsense: " + e.getMessage(), Outcome.UNKNOWN);
            }
        }

        /** When the write under way started, or 0 between writes. */
        private volatile long writingSince;

        /**
         * Closes the connection if the target stops taking bytes for {@link #STALL_NANOS} (a hung
         * target must not hold the source's domain, and its toolstack, forever); the blocked
         * write then fails and the migration fails with the domain kept here.
         */
        private Thread watchdog(Socket s) {
            Thread t = new Thread(() -> {
                try {
                    while (!s.isClosed()) {
                        Thread.sleep(1000);
                        long since = writingSince;
                        if (since != 0 && System.nanoTime() - since > STALL_NANOS) {
                            phase = phase + " (the target took nothing for " + STALL_NANOS / 1_000_000_000L + " s)";
                            s.close();
                        }
                    }
                } catch (InterruptedException | IOException e) {
                    // the migration is over
                }
            }, "domus-migrate-watchdog");
            t.setDaemon(true);
            t.start();
            return t;
        }

        /** CLEAN into {@code pending}; returns the dirty pages there that are worth sending. */
        private long clean(LogDirty dirty, long[] pending) throws MigrationException {
            long rc = dirty.clean(pending);
            if (rc < 0) {
                throw fail("reading the dirty bitmap of domain " + domid + " failed: XEN error " + (-rc), Outcome.SOURCE);
            }
            long n = 0;
            for (long w : pending) {
                n += Long.bitCount(w);
            }
            for (long p : info.specialPfns()) {
                if (p >= 0 && p < info.nrPages() && (pending[(int) (p >>> 6)] & (1L << (p & 63))) != 0) {
                    n--;
                }
            }
            return n;
        }

        /**
         * Sends and clears every page in {@code pending}; returns how many were sent. The P2M
         * types are read a {@link MemoryOps#TYPE_BATCH} of PFNs at a time: paged-out pages come
         * from the paging file and ballooned PFNs go as absent, neither mapped; the rest are
         * mapped read-only a {@link GuestPageIo#BATCH} at a time.
         */
        private long send(GuestPageIo io, MemoryOps ops, long[] pending, int round, boolean last)
                throws IOException, MigrationException {
            long total = 0;
            for (long word : pending) {
                total += Long.bitCount(word);
            }
            for (long p : info.specialPfns()) {
                if (p >= 0 && p < info.nrPages() && (pending[(int) (p >>> 6)] & (1L << (p & 63))) != 0) {
                    total--;
                }
            }
            long sent = 0;
            int n = 0;
            long nrPages = info.nrPages();
            for (long first = 0; first < nrPages; first += MemoryOps.TYPE_BATCH) {
                int len = (int) Math.min(MemoryOps.TYPE_BATCH, nrPages - first);
                int w0 = (int) (first >>> 6);
                int w1 = (int) Math.min(pending.length, (first + len + 63) >>> 6);
                boolean any = false;
                for (int wi = w0; wi < w1 && !any; wi++) {
                    any = pending[wi] != 0;
                }
                if (!any) {
                    continue;
                }
                long rc = ops.pageTypes(domid, first, len, types);
                if (rc < 0) {
                    throw fail("reading the page types of domain " + domid + " failed: XEN error " + (-rc), Outcome.SOURCE);
                }
                for (int wi = w0; wi < w1; wi++) {
                    long bits = pending[wi];
                    pending[wi] = 0;
                    while (bits != 0) {
                        long pfn = (long) wi * 64 + Long.numberOfTrailingZeros(bits);
                        bits &= bits - 1;
                        if (pfn >= nrPages || info.isSpecial(pfn)) {
                            continue;
                        }
                        int type = types[(int) (pfn - first)];
                        if (type == PageTypes.BALLOONED) {
                            room();
                            batch.absent(pfn);
                            sent++;
                            continue;
                        }
                        if (type == PageTypes.PAGED && fromPagingFile(ops, pfn)) {
                            sent++;
                            continue;
                        }
                        pfns[n++] = pfn;
                        if (n == GuestPageIo.BATCH) {
                            writingSince = System.nanoTime();
                            sent += sendBatch(io, n);
                            writingSince = 0;
                            n = 0;
                            progress.update(round, last, sent, total, w.bytes());
                            checkTarget();
                        }
                    }
                }
            }
            writingSince = System.nanoTime();
            if (n > 0) {
                sent += sendBatch(io, n);
            }
            batch.writeTo(w);
            w.flush();
            writingSince = 0;
            progress.update(round, last, sent, total, w.bytes());
            checkTarget();
            return sent;
        }

        /** Writes out a full page batch, so one more entry fits. */
        private void room() throws IOException {
            if (batch.full()) {
                writingSince = System.nanoTime();
                batch.writeTo(w);
                writingSince = 0;
            }
        }

        /**
         * Adds paged-out page {@code pfn} with its data from the paging file; false if it was
         * paged in since its type was read (then it is mapped like any other page).
         */
        private boolean fromPagingFile(MemoryOps ops, long pfn) throws IOException, MigrationException {
            long rc = ops.readPagedOut(domid, pfn, page, 0);
            if (rc == -XenErrno.XEN_EINVAL) {
                return false;
            }
            if (rc < 0) {
                throw fail("paged-out page " + pfn + " of domain " + domid + " cannot be read from its paging file: "
                        + "XEN error " + (-rc), Outcome.SOURCE);
            }
            room();
            batch.page(pfn, page, 0);
            pagedCarried++;
            return true;
        }

        private int sendBatch(GuestPageIo io, int n) throws IOException, MigrationException {
            // No unmapAll after the batch: the next one's map replaces these read-only mappings in
            // its one hypercall, and closing the GuestPageIo removes the last ones.
            long rc = io.mapReadOnly(domid, pfns, n, err);
            if (rc < 0) {
                throw fail("mapping pages of domain " + domid + " failed: XEN error " + (-rc), Outcome.SOURCE);
            }
            for (int i = 0; i < n; i++) {
                if (batch.full()) {
                    batch.writeTo(w);
                }
                if (err[i] == 0) {
                    batch.read(io, i, pfns[i]);
                } else if (err[i] == -XenErrno.XEN_EINVAL) {
                    batch.absent(pfns[i]);
                } else {
                    throw fail("page " + pfns[i] + " of domain " + domid + " cannot be mapped: XEN error "
                            + (-err[i]), Outcome.SOURCE);
                }
            }
            return n;
        }

        /**
         * Reads what the target has said: LOADED counts are noted; anything else is its refusal
         * (it may refuse at any time, in one line, and stops reading).
         */
        private void checkTarget() throws IOException, MigrationException {
            while (in.available() > 0) {
                String line = MigrationProtocol.readLine(in);
                if (!loaded(line)) {
                    throw fail("the target " + hostPort + " stopped the migration during " + phase + ": "
                            + refusal(line), Outcome.SOURCE);
                }
            }
        }

        /** Notes a LOADED line; false for any other. */
        private boolean loaded(String line) {
            if (line == null || !MigrationProtocol.LOADED.equals(MigrationProtocol.word(line))) {
                return false;
            }
            try {
                loadedByTarget = Math.max(loadedByTarget, Long.parseLong(MigrationProtocol.rest(line).trim()));
            } catch (NumberFormatException e) {
                return false;
            }
            return true;
        }

        /** Waits (on the target's lines, the read timeout guarding a hung one) until it has loaded {@code entries}. */
        private void awaitLoaded(long entries) throws IOException, MigrationException {
            while (loadedByTarget < entries) {
                String line = MigrationProtocol.readLine(in);
                if (line == null) {
                    throw new IOException("the target closed the connection");
                }
                if (!loaded(line)) {
                    throw fail("the target " + hostPort + " stopped the migration during " + phase + ": "
                            + refusal(line), Outcome.SOURCE);
                }
            }
        }

        /** After a failed write: the target's last words, if it left any. */
        private String targetSaid() {
            try {
                while (in != null && in.available() > 0) {
                    String line = MigrationProtocol.readLine(in);
                    if (line == null) {
                        return null;
                    }
                    if (!loaded(line)) {
                        return refusal(line);
                    }
                }
            } catch (IOException ignored) {
                // nothing readable
            }
            return null;
        }

        /** The target's next line other than a LOADED count. */
        private String answer() throws IOException {
            while (true) {
                String line = MigrationProtocol.readLine(in);
                if (line == null) {
                    throw new IOException("the target closed the connection");
                }
                if (!loaded(line)) {
                    return line;
                }
            }
        }

        /**
         * COMMIT went out but the answer did not come back: ask the target on a new connection
         * before anything is resumed. A target that cannot be reached at all has gone, and its
         * domains with it (a Domus host lives in its domusd process).
         */
        private MigrationReport afterLostCommit(InetSocketAddress to, IOException cause, long t0)
                throws MigrationException {
            String last = message(cause);
            for (int attempt = 0; attempt < 5; attempt++) {
                try (Socket q = new Socket()) {
                    q.connect(to, CONNECT_TIMEOUT_MS);
                    q.setSoTimeout(READ_TIMEOUT_MS);
                    MigrationProtocol.writeLine(q.getOutputStream(), MigrationProtocol.QUERY + " " + id);
                    String line = MigrationProtocol.readLine(q.getInputStream());
                    if (line != null && MigrationProtocol.RUNNING.equals(MigrationProtocol.word(line))) {
                        report.targetDomid = Integer.parseInt(MigrationProtocol.rest(line).trim());
                        report.downtimeNanos = System.nanoTime() - stoppedAt; // an upper bound: it ran sooner
                        report.zeroPages = batch.zeroPages();
                        report.absentPages = batch.absentPages();
                        report.pagedPages = pagedCarried;
                        report.totalNanos = System.nanoTime() - t0;
                        report.bytes = w.bytes();
                        return report;
                    }
                    throw fail("lost the connection to the target " + hostPort + " at the commit (" + message(cause)
                            + "), and the target reports the domain " + (line == null ? "unknown" : line.toLowerCase()),
                            Outcome.SOURCE);
                } catch (ConnectException e) {
                    throw fail("lost the target " + hostPort + " at the commit (" + message(cause)
                            + "); it no longer accepts connections, so its copy is gone", Outcome.SOURCE);
                } catch (IOException | NumberFormatException e) {
                    last = message(e);
                    LockSupport.parkNanos(200_000_000L); // back off before asking again
                }
            }
            throw fail("lost the connection to the target " + hostPort + " after the commit and cannot reach it to ask ("
                    + last + "): the domain is left suspended here so that it never runs twice; check the target, "
                    + "then 'domus destroy' or resume one copy", Outcome.UNKNOWN);
        }
    }

    private static String refusal(String line) {
        if (line == null) {
            return "no answer";
        }
        return MigrationProtocol.ERROR.equals(MigrationProtocol.word(line)) ? MigrationProtocol.rest(line)
                : "unexpected answer '" + line + "'";
    }

    static InetSocketAddress address(String hostPort) throws MigrationException {
        int colon = hostPort.lastIndexOf(':');
        int port = -1;
        try {
            port = colon > 0 ? Integer.parseInt(hostPort.substring(colon + 1)) : -1;
        } catch (NumberFormatException ignored) {
            // refused below
        }
        if (port < 1 || port > 65535) {
            throw new MigrationException("the target " + hostPort + " is not HOST:PORT (e.g. 127.0.0.1:7700)",
                    MigrationException.Outcome.SOURCE, null);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), port);
    }

    static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
