package dev.domus.dom0.toolstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

import dev.domus.abi.Domctl;
import dev.domus.abi.SchedOp;
import dev.domus.abi.XenErrno;
import dev.domus.abi.XenbusState;
import dev.domus.dom0.blk.BlkBack;
import dev.domus.dom0.config.ConfigException;
import dev.domus.dom0.config.DiskSpec;
import dev.domus.dom0.config.DomainConfig;
import dev.domus.dom0.config.LifecycleAction;
import dev.domus.dom0.config.Sizes;
import dev.domus.dom0.config.XlConfigParser;
import dev.domus.dom0.control.Command;
import dev.domus.dom0.control.CommandException;
import dev.domus.dom0.control.ControlEvent;
import dev.domus.dom0.control.Json;
import dev.domus.dom0.control.Progress;
import dev.domus.dom0.daemon.DaemonException;
import dev.domus.dom0.daemon.DaemonSettings;
import dev.domus.dom0.daemon.DomusDaemon;
import dev.domus.dom0.daemon.EventSink;
import dev.domus.dom0.daemon.HostControl;
import dev.domus.dom0.daemon.Responder;
import dev.domus.dom0.overcommit.MemoryManager;
import dev.domus.dom0.console.backend.ConsoleBackend;
import dev.domus.dom0.console.backend.ConsoleOutput;
import dev.domus.dom0.migrate.MigrationException;
import dev.domus.dom0.migrate.MigrationListener;
import dev.domus.dom0.migrate.MigrationReport;
import dev.domus.dom0.migrate.MigrationSender;
import dev.domus.dom0.save.DomainLoader;
import dev.domus.dom0.save.DomainSaver;
import dev.domus.dom0.save.LazyRestore;
import dev.domus.dom0.save.PageIndex;
import dev.domus.dom0.save.ImageException;
import dev.domus.dom0.save.ImageReader;
import dev.domus.dom0.save.SaveSupport;
import dev.domus.dom0.save.SavedDomainInfo;
import dev.domus.dom0.save.SavedImage;
import dev.domus.dom0.save.Suspender;
import dev.domus.dom0.template.TemplateException;
import dev.domus.dom0.template.TemplateForker;
import dev.domus.dom0.template.Templates;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.ring.XsRingAttacher;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.dom0.xenstore.XsStats;
import dev.domus.dom0.xenstore.XsUnixSocketServer;
import dev.domus.dom0.xenstore.Xenstored;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.DomainBuildException;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;

/**
 * Dom0's toolstack, what libxl is to Xen: it boots a {@link Host}, runs xenstored, and
 * carries out the console's commands on domains ONLY through Dom0's hypercalls
 * ({@link DomainBuilder}, {@link Dom0Hypercalls}) and xenstore. A watcher thread drains the
 * host console and notices domains that shut down or crash, reports them, and applies their
 * {@code on_poweroff}/{@code on_reboot}/{@code on_crash} action.
 *
 * <p>Every state change is serialised on this object; a failed create leaves nothing
 * behind (no domain, no frames, no xenstore nodes).
 */
public final class Toolstack implements HostControl {

    /** How often the watcher polls domain states and the host console. */
    private static final long WATCH_PERIOD_MILLIS = 20;
    static final int MAX_QUICK_RESTARTS = 3;
    /** How long a guest gets to act on control/shutdown before the hypervisor shuts it down. */
    static final long SHUTDOWN_GRACE_MILLIS = 2000;
    static final int QUICK_RESTART_SECONDS = 10;

    private static final Set<String> COMMANDS = Set.of("create", "destroy", "pause", "unpause", "shutdown",
            "reboot", "mem-set", "mem-max", "vcpu-set", "vcpu-pin", "sched-credit2", "sched-credit", "sched-rtds",
            "save", "restore", "migrate", "mem-share", "mem-pager", "template");
    private static final Set<String> QUERIES = Set.of("list", "vcpu-list", "info", "console", "wait-shutdown",
            "stats", "template-list");

    private final DaemonSettings settings;
    private final EventSink events;
    private final Host host;
    private final Dom0Hypercalls hc;
    private final Xenstored xenstored;
    private final XsUnixSocketServer xenstoredSocket;
    private final XsClient xs;
    private final ConsoleLog console = new ConsoleLog();
    private final ConsoleBackend consoles;
    private final BlkBack blkback;
    private final Map<Integer, ManagedDomain> domains = new TreeMap<>();
    /** Lazy restores still loading memory, by domid (see {@link #lazyRestore}). */
    private final Map<Integer, LazyRestore> lazyRestores = new TreeMap<>();
    /** Lazy restores stopped by a teardown, whose threads {@link #close} waits for. */
    private final List<LazyRestore> stoppedLazyRestores = new ArrayList<>();
    private final Thread watcher;
    private final MigrationListener migrations;
    private final MemoryManager memory;
    private final Templates templates;
    private final int schedId;
    private volatile boolean closed;

    /** domusd's default host: this toolstack over a freshly booted {@link Host}. */
    public static DomusDaemon.HostFactory factory() {
        return Toolstack::start;
    }

    public static Toolstack start(DaemonSettings s, EventSink events) throws DaemonException {
        long bytes = s.memoryMib() << 20;
        long dom0Bytes = Math.min(64L << 20, (bytes / 4) & ~0xfffL);
        // Bound before the host boots: an address in use refuses the start, changing nothing.
        java.net.ServerSocket listen = null;
        if (s.listen() != null) {
            try {
                listen = MigrationListener.bind(s.listen());
            } catch (IOException e) {
                throw new DaemonException("--listen " + s.listen() + ": cannot listen there for migrations ("
                        + e.getMessage() + "): choose another port or stop what uses it");
            }
        }
        Host host;
        try {
            host = Host.start(new HostConfig(bytes, s.pcpus(), s.sched(), dom0Bytes));
        } catch (IllegalArgumentException e) {
            closeQuietly(listen);
            throw new DaemonException("cannot boot the host: " + e.getMessage());
        }
        Xenstored xenstored = new Xenstored();
        XsUnixSocketServer socket;
        try {
            socket = XsUnixSocketServer.start(xenstored, s.home().resolve("xenstored.sock"));
        } catch (IOException e) {
            closeQuietly(listen);
            xenstored.close();
            host.close();
            throw new DaemonException("cannot start xenstored: " + e.getMessage());
        }
        try {
            return new Toolstack(s, events, host, xenstored, socket, listen);
        } catch (RuntimeException e) {
            closeQuietly(listen);
            try {
                socket.close();
            } catch (IOException ignored) {
                // failing anyway
            }
            xenstored.close();
            host.close();
            throw new DaemonException("cannot start Dom0's toolstack: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // failing anyway
            }
        }
    }

    private Toolstack(DaemonSettings settings, EventSink events, Host host, Xenstored xenstored,
                      XsUnixSocketServer socket, java.net.ServerSocket listen) {
        this.settings = settings;
        this.events = events;
        this.host = host;
        this.hc = new Dom0Hypercalls(host.dom0());
        this.xenstored = xenstored;
        this.xenstoredSocket = socket;
        this.xs = XsClient.connect(xenstored, 0);
        // Guests reach xenstored through their ring page (introduced at create), and write
        // their console through the xencons ring; both served through Dom0's gate.
        xenstored.ringAttacher(new XsRingAttacher(host.dom0()));
        this.consoles = new ConsoleBackend(host.dom0(), logs(settings.home()));
        this.blkback = new BlkBack(host.dom0(), xenstored);
        host.pagingDirectory(settings.home().resolve("paging"));
        long[] phys0 = hc.physinfo();
        this.memory = new MemoryManager(host.dom0(), events, this::guests, () -> {
            long[] p = hc.physinfo();
            return p == null ? -1 : p[2];
        }, phys0 == null ? 0 : phys0[1]);
        this.templates = new Templates(host.dom0(), settings.home(), d -> hc.domainInfo(d) != null,
                d -> hc.destroy(d) >= 0 || hc.domainInfo(d) == null);
        long id = hc.schedId();
        this.schedId = (int) id;
        xs.write("/local/domain/0/name", "Domain-0");
        xs.write("/local/domain/0/domid", "0");
        this.watcher = new Thread(this::watch, "dom0-toolstack-watcher");
        watcher.setDaemon(true);
        watcher.start();
        this.migrations = listen == null ? null : MigrationListener.start(listen, host.dom0(), new Incoming());
    }

    /** Where this host accepts migrations (HOST:PORT, the real port if 0 was asked for), or null. */
    public String migrationAddress() {
        return migrations == null ? null : migrations.address();
    }

    private static Path logs(Path home) {
        Path dir = home.resolve("logs");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + dir, e);
        }
        return dir;
    }

    /** Whether the hypervisor has grant tables (blkback needs them to reach guests' pages). */
    public boolean grantTablesAvailable() {
        return hc.grantQuerySize() != -XenErrno.XEN_ENOSYS;
    }

    /** The hypervisor's Dom0, for in-process tools and tests that issue hypercalls themselves. */
    public dev.domus.hv.boot.Dom0 dom0() {
        return host.dom0();
    }

    /** The path of this host's xenstored socket (for XENSTORED_PATH). */
    public Path xenstoredSocket() {
        return xenstoredSocket.path();
    }

    @Override
    public Set<String> journaledCommands() {
        return COMMANDS;
    }

    @Override
    public Set<String> queries() {
        return QUERIES;
    }

    @Override
    public String execute(Command c) throws CommandException {
        if (closed) {
            throw new CommandException("the host is stopping");
        }
        List<String> a = c.args();
        return switch (c.name()) {
            case "create" -> a.contains("--from-template")
                    ? createFromTemplate(c.arg(0, "a config file (domus create CFG --from-template NAME)"),
                            optionValue(a, "--from-template", "a template name"), a.contains("--paused"))
                    : create(c.arg(0, "a config file (domus create CFG)"), a.contains("--paused"));
            case "template" -> template(a);
            case "destroy" -> destroy(c.arg(0, "a domain (name or domid)"));
            case "pause" -> pause(c.arg(0, "a domain (name or domid)"), true);
            case "unpause" -> pause(c.arg(0, "a domain (name or domid)"), false);
            case "shutdown" -> shutdown(c.arg(0, "a domain (name or domid)"), SchedOp.SHUTDOWN_poweroff);
            case "reboot" -> shutdown(c.arg(0, "a domain (name or domid)"), SchedOp.SHUTDOWN_reboot);
            case "mem-set" -> memSet(c.arg(0, "a domain"), c.arg(1, "a size (e.g. 256M)"), a);
            case "mem-share" -> Overcommit.memShare(this, memory, a);
            case "mem-pager" -> Overcommit.memPager(this, memory, a);
            case "mem-max" -> memMax(c.arg(0, "a domain"), c.arg(1, "a size (e.g. 512M)"));
            case "vcpu-set" -> vcpuSet(c.arg(0, "a domain"), c.arg(1, "a vCPU count"));
            case "vcpu-pin" -> vcpuPin(c.arg(0, "a domain"), c.arg(1, "a vCPU"), c.arg(2, "pCPUs (e.g. 0-1)"));
            case "sched-credit2", "sched-credit", "sched-rtds" -> sched(c.name(), a);
            case "save" -> save(c.arg(0, "a domain (name or domid)"), c.arg(1, "an image file (domus save DOM FILE)"), a);
            case "restore" -> a.contains("--lazy")
                    ? lazyRestore(c.arg(0, "an image file (domus restore FILE)"), a.contains("--paused"), a.contains("--json"))
                    : restore(c.arg(0, "an image file (domus restore FILE)"), a.contains("--paused"));
            case "migrate" -> migrate(c.arg(0, "a domain (name or domid)"), c.arg(1, "a target (domus migrate DOM HOST:PORT)"), a);
            default -> throw new CommandException("unknown command '" + c.name() + "'");
        };
    }

    @Override
    public String query(String command, List<String> args, Responder out)
            throws CommandException, IOException, InterruptedException {
        return switch (command) {
            case "list" -> list(args);
            case "vcpu-list" -> vcpuList(args);
            case "info" -> info(args.contains("--json"));
            case "console" -> console(args, out);
            case "wait-shutdown" -> waitShutdown(args, out);
            case "stats" -> stats();
            case "template-list" -> templates.list(args.contains("--json"));
            default -> throw new CommandException("unknown query '" + command + "'");
        };
    }

    // ---------------------------------------------------------------- create / destroy

    private synchronized String create(String file, boolean paused) throws CommandException {
        DomainConfig cfg;
        try {
            cfg = XlConfigParser.parse(Path.of(file));
        } catch (ConfigException e) {
            throw new CommandException(e.getMessage());
        }
        ManagedDomain d = build(cfg, paused);
        return "created domain " + cfg.name() + " (domid " + d.domid() + ")" + (paused ? ", paused" : "");
    }

    /** Builds, configures and starts a domain; on any failure nothing of it remains. */
    private ManagedDomain build(DomainConfig cfg, boolean paused) throws CommandException {
        return build(cfg, paused, false);
    }

    /** As above; {@code resume}: a restored domain, whose vCPUs enter the kernel's resume entry. */
    private ManagedDomain build(DomainConfig cfg, boolean paused, boolean resume) throws CommandException {
        return build(cfg, paused, resume, true);
    }

    /**
     * As above; without {@code disks} the disks' xenstore nodes are written but blkback does not
     * open their files yet (an incoming migration: the source still holds them until it commits).
     */
    private ManagedDomain build(DomainConfig cfg, boolean paused, boolean resume, boolean disks)
            throws CommandException {
        return build(cfg, paused, resume, disks, false);
    }

    /** As above; {@code withoutRam}: only the special pages are populated (a lazy restore fills the rest). */
    private ManagedDomain build(DomainConfig cfg, boolean paused, boolean resume, boolean disks, boolean withoutRam)
            throws CommandException {
        String what = "cannot create " + cfg.name() + ": ";
        for (ManagedDomain m : domains.values()) {
            if (m.name().equals(cfg.name())) {
                throw new CommandException("a domain named " + cfg.name() + " already exists (domid " + m.domid()
                        + "): change name in " + source(cfg) + " or destroy that domain first");
            }
        }
        long[] phys = hc.physinfo();
        if (phys != null) {
            long totalMib = phys[1] * 4 / 1024;
            long freeMib = phys[2] * 4 / 1024;
            if (cfg.memoryMib() > totalMib) {
                throw new CommandException("memory = " + cfg.memoryMib() + " MiB in " + source(cfg)
                        + " is more than this host's " + totalMib + " MiB: lower memory or start domusd with a larger --memory");
            }
            if (cfg.memoryMib() > freeMib) {
                // Overcommit: share and page the running guests to make room (see MemoryManager).
                memory.makeRoom(cfg.memoryMib() * 256);
                long[] now = hc.physinfo();
                freeMib = now == null ? freeMib : now[2] * 4 / 1024;
            }
            if (cfg.memoryMib() > freeMib) {
                throw new CommandException("memory = " + cfg.memoryMib() + " MiB in " + source(cfg) + ", but only "
                        + freeMib + " MiB of the host is free: lower memory or destroy a domain first");
            }
        }
        if (!cfg.cpus().isEmpty() && cfg.cpus().last() >= settings.pcpus()) {
            throw new CommandException("cpus in " + source(cfg) + " names pCPU " + cfg.cpus().last() + ", but the host has "
                    + settings.pcpus() + " (0-" + (settings.pcpus() - 1) + ")");
        }
        DomainSpec spec;
        BuiltDomain b;
        try {
            spec = DomainSpec.of(cfg.kernel(), cfg.memoryMib() * 1024, cfg.vcpus())
                    .withMaxMemoryKb(cfg.maxmemMib() * 1024)
                    .withClassPath(cfg.kernelJar() == null ? "" : cfg.kernelJar().toString())
                    .withCmdline(cfg.extra())
                    .withJavaHeapBytes(cfg.javaHeapMib() << 20)
                    .paused(true);
            if (resume) {
                spec = new DomainSpec(spec.kernelClass(), spec.classPath(), spec.memoryKb(), spec.maxMemoryKb(),
                        spec.vcpus(), spec.cmdline(), spec.maxEvtchnPort(), true, true, spec.javaHeapBytes());
            }
            b = withoutRam ? new DomainBuilder(host.dom0()).buildWithoutRam(spec)
                    : new DomainBuilder(host.dom0()).build(spec);
        } catch (DomainBuildException | IllegalArgumentException e) {
            throw new CommandException(what + e.getMessage());
        }
        int domid = b.domid();
        String uuid = null;
        boolean introduced = false;
        boolean consoleAttached = false;
        try {
            uuid = XenstoreLayout.write(xs, b, cfg);
            xenstored.introduceDomain(domid, b.storePfn(), b.storePort());
            introduced = true;
            consoles.attach(domid, b.consolePfn(), b.consolePort());
            consoleAttached = true;
            if (disks) {
                attachDisks(domid, cfg);
            }
            applySchedParams(domid, cfg); // before the first unpause, as libxl does at build
            if (!paused) {
                check(hc.unpause(domid), "unpause");
            }
        } catch (CommandException | RuntimeException e) {
            // Anything at all: undo every step, so a failed create leaves nothing behind.
            blkback.detach(domid);
            if (consoleAttached) {
                consoles.detach(domid);
                consoles.forget(domid);
            }
            if (introduced) {
                xenstored.releaseDomain(domid);
            }
            hc.destroy(domid);
            try {
                XenstoreLayout.remove(xs, domid, uuid);
            } catch (XsError ignored) {
                // the domain is gone; a stray node is reported by the next create's checks
            }
            throw new CommandException(what + e.getMessage());
        }
        ManagedDomain m = new ManagedDomain(cfg, b, uuid);
        domains.put(domid, m);
        events.domainEvent(ControlEvent.CREATED, domid, cfg.name(), paused ? "paused" : "");
        return m;
    }

    /** Opens the config's disks in blkback for {@code domid} (its xenstore nodes are written). */
    private void attachDisks(int domid, DomainConfig cfg) throws CommandException {
        for (DiskSpec disk : cfg.disks()) {
            try {
                blkback.attach(domid, disk);
            } catch (IOException e) {
                throw new CommandException("disk " + disk.path() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Applies the config's weight, cap and cpus to a domain that has not run yet: the
     * hypervisor's scheduler holds a domain's vCPUs from max_vcpus on, as Xen's does from
     * vCPU creation, so scheduler_op and vcpuaffinity work before the first unpause.
     */
    private void applySchedParams(int domid, DomainConfig cfg) throws CommandException {
        boolean weights = (cfg.weight() != 256 || cfg.cap() != 0)
                && (schedId == Domctl.XEN_SCHEDULER_CREDIT || schedId == Domctl.XEN_SCHEDULER_CREDIT2);
        BitSet set = cfg.cpus().isEmpty() ? null : bits(cfg.cpus());
        if (weights) {
            check(hc.putSchedParams(domid, schedId, cfg.weight(), cfg.cap()), "set weight and cap");
        }
        for (int v = 0; set != null && v < cfg.vcpus(); v++) {
            check(hc.setVcpuAffinity(domid, v, set, settings.pcpus()), "set cpus of vCPU " + v);
        }
    }

    private static String source(DomainConfig cfg) {
        return cfg.source() == null ? "the config" : cfg.source().toString();
    }

    private synchronized String destroy(String dom) throws CommandException {
        ManagedDomain m = resolve(dom);
        teardown(m, "");
        return "destroyed domain " + m.name() + " (domid " + m.domid() + ")";
    }

    /** Destroys the domain and everything Dom0 kept for it. Caller holds the lock. */
    private void teardown(ManagedDomain m, String why) throws CommandException {
        int domid = m.domid();
        // Dom0's backends let go of the guest's pages first (as xl does before destroying).
        if (xenstored.isDomainIntroduced(domid)) {
            try {
                xenstored.releaseDomain(domid);
            } catch (XsError ignored) {
                // already released
            }
        }
        LazyRestore lazy = lazyRestores.remove(domid);
        if (lazy != null) {
            lazy.close(); // its threads stop; the domain's end ends their hypercalls
            stoppedLazyRestores.add(lazy);
        }
        consoles.detach(domid);
        blkback.detach(domid);
        long rc = hc.destroy(domid);
        if (rc < 0 && hc.domainInfo(domid) != null) {
            throw new CommandException("cannot destroy " + m.name() + ": " + XenError.name(rc));
        }
        domains.remove(domid);
        memory.forget(domid);
        XenstoreLayout.remove(xs, domid, m.uuid);
        console.forget(domid);
        consoles.forget(domid);
        events.domainEvent(ControlEvent.DESTROYED, domid, m.name(), why);
        notifyAll();
    }

    // ---------------------------------------------------------------- templates (dev.domus.dom0.template)

    private static String optionValue(List<String> args, String option, String what) throws CommandException {
        int i = args.indexOf(option);
        if (i < 0 || i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
            throw new CommandException(option + " needs " + what);
        }
        return args.get(i + 1);
    }

    /** {@code template add NAME FILE} and {@code template rm NAME}. */
    private synchronized String template(List<String> a) throws CommandException {
        String sub = a.isEmpty() ? "" : a.get(0);
        try {
            return switch (sub) {
                case "add" -> {
                    if (a.size() != 3) {
                        throw new CommandException("template add takes a name and an image file (domus template add NAME FILE)");
                    }
                    yield templates.add(a.get(1), a.get(2));
                }
                case "rm" -> {
                    if (a.size() != 2) {
                        throw new CommandException("template rm takes a template name (domus template rm NAME)");
                    }
                    yield templates.remove(a.get(1));
                }
                default -> throw new CommandException("template takes add NAME FILE or rm NAME, not '" + sub + "'");
            };
        } catch (TemplateException e) {
            throw new CommandException(e.getMessage());
        }
    }

    /**
     * {@code create CFG --from-template NAME}: builds the domain from the config (its name, devices,
     * command line), gives it the template's memory copy-on-write, carries the template's guest
     * data in xenstore and resumes it from the template's saved point.
     */
    private synchronized String createFromTemplate(String file, String name, boolean paused) throws CommandException {
        DomainConfig cfg;
        Templates.Loaded t;
        try {
            cfg = XlConfigParser.parse(Path.of(file));
            t = templates.prepare(name, cfg);
        } catch (ConfigException | TemplateException e) {
            throw new CommandException("cannot create from template " + name + ": " + e.getMessage());
        }
        long t0 = System.nanoTime();
        ManagedDomain m = build(cfg, true, true);
        int domid = m.domid();
        TemplateForker.Result r;
        try {
            r = templates.fork(t, m.built);
            for (Map.Entry<String, String> e : t.image().xenstore().entrySet()) {
                if (SaveSupport.carried(e.getKey())) {
                    xs.write("/local/domain/" + domid + "/" + e.getKey(), e.getValue());
                }
            }
            if (!paused) {
                check(hc.unpause(domid), "unpause");
            }
        } catch (TemplateException | XsError | CommandException e) {
            teardown(m, "create from template failed");
            throw new CommandException("cannot create " + cfg.name() + " from template " + name + ": " + e.getMessage());
        }
        return String.format("created domain %s (domid %d) from template %s in %d ms: %d pages shared, %d copied%s",
                cfg.name(), domid, name, (System.nanoTime() - t0) / 1_000_000, r.sharedPages(), r.copiedPages(),
                paused ? ", paused" : "");
    }

    // ---------------------------------------------------------------- save / restore (dev.domus.dom0.save)

    /** Save and migrate read every page: not while a lazy restore still brings them in. */
    private void refuseWhileLoading(ManagedDomain m, String what) throws CommandException {
        if (lazyRestores.containsKey(m.domid())) {
            throw new CommandException("cannot " + what + " " + m.name() + " yet: its memory is still loading from a lazy"
                    + " restore; " + what + " it after its 'restored ... fully loaded' event (domus events)");
        }
    }

    private synchronized String save(String dom, String file, List<String> args) throws CommandException {
        ManagedDomain m = resolve(dom);
        refuseWhileLoading(m, "save");
        Path path = Path.of(file);
        if (Files.exists(path)) {
            throw new CommandException(file + " already exists: remove it or choose another file");
        }
        long timeoutMs;
        try {
            timeoutMs = SaveSupport.timeoutMillis(args);
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
        int domid = m.domid();
        String home = "/local/domain/" + domid;
        try {
            Suspender.suspend(v -> xs.write(home + "/control/shutdown", v),
                    () -> SaveSupport.suspended(hc.domainInfo(domid)),
                    () -> SaveSupport.gone(hc.domainInfo(domid)),
                    timeoutMs * 1_000_000L, m.name());
        } catch (ImageException | XsError e) {
            DomainInfo now = hc.domainInfo(domid);
            throw new CommandException("cannot save " + m.name() + ": " + e.getMessage()
                    + (now == null ? "" : " (state " + now.xlState() + ")"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("cannot save " + m.name() + ": interrupted");
        }
        DomainSaver.Result r;
        try {
            DomainConfig cfg = m.config;
            BuiltDomain b = m.built;
            SavedDomainInfo info = new SavedDomainInfo(m.name(), domid, cfg.kernel(),
                    cfg.kernelJar() == null ? "" : cfg.kernelJar().toString(), cfg.extra() == null ? "" : cfg.extra(),
                    cfg.memoryMib() * 1024, cfg.maxmemMib() * 1024, cfg.vcpus(), b.nrPages(),
                    new long[] {b.startInfoPfn(), b.sharedInfoPfn(), b.storePfn(), b.consolePfn()});
            String text = cfg.source() == null ? null : Files.readString(cfg.source());
            DomainInfo di = hc.domainInfo(domid);
            long[][] vcpus = new long[cfg.vcpus()][];
            for (int v = 0; v < vcpus.length; v++) {
                vcpus[v] = new long[] {v, v < m.vcpusOnline ? 1 : 0, v == 0 && di != null ? di.cpuTimeNs() : 0};
            }
            r = new DomainSaver(host.dom0()).save(domid, info, cfg.source() == null ? null : cfg.source().toString(),
                    text, SaveSupport.subtree(xs, home), vcpus, path,
                    (done, total, bytes) -> Progress.report("save", 1, true, done, total, bytes, done == total));
        } catch (ImageException | IOException | RuntimeException e) {
            // The image is gone (the writer deletes a partial one): the guest runs on here.
            try {
                xs.write(home + "/control/shutdown", "");
            } catch (XsError ignored) {
                // the request node is only advisory; resuming matters
            }
            long rc = hc.resume(domid);
            throw new CommandException("cannot save " + m.name() + ": " + e.getMessage()
                    + (rc < 0 ? "; and resuming it failed: " + XenError.name(rc) : "; it keeps running"));
        }
        teardown(m, "saved to " + path.toAbsolutePath());
        return String.format("saved %s (domid %d) to %s: %d bytes, %d pages (%d zero, %d absent, %d paged out) in %d ms, %.0f MB/s",
                m.name(), domid, file, r.bytes(), r.normalPages() + r.zeroPages() + r.absentPages(), r.zeroPages(),
                r.absentPages(), r.pagedPages(), r.nanos() / 1_000_000, r.mibPerSecond());
    }

    private synchronized String restore(String file, boolean paused) throws CommandException {
        Path path = Path.of(file);
        SavedImage img;
        DomainConfig cfg;
        try {
            img = ImageReader.verify(path);
            cfg = SaveSupport.config(img, path);
        } catch (ImageException e) {
            throw new CommandException("cannot restore: " + e.getMessage());
        }
        if (cfg.memoryMib() * 256 != img.info().nrPages()) {
            throw new CommandException("cannot restore " + file + ": its config gives " + cfg.memoryMib()
                    + " MiB but the image holds " + img.info().nrPages() + " pages");
        }
        long t0 = System.nanoTime();
        ManagedDomain m = build(cfg, true, true);
        int domid = m.domid();
        String home = "/local/domain/" + domid;
        try {
            new DomainLoader(host.dom0()).load(path, domid, img.info(), (done, total, bytes) ->
                    Progress.report("restore", 1, true, done, total, bytes, done == total));
            for (Map.Entry<String, String> e : img.xenstore().entrySet()) {
                if (SaveSupport.carried(e.getKey())) {
                    xs.write(home + "/" + e.getKey(), e.getValue());
                }
            }
            if (!paused) {
                check(hc.unpause(domid), "unpause");
            }
        } catch (ImageException | XsError | CommandException e) {
            teardown(m, "restore failed");
            throw new CommandException("cannot restore " + file + ": " + e.getMessage());
        }
        return String.format("restored %s (domid %d) from %s in %d ms%s", cfg.name(), domid, file,
                (System.nanoTime() - t0) / 1_000_000, paused ? ", paused" : "");
    }

    /**
     * {@code restore FILE --lazy [--paused] [--json]}: the domain runs before its memory is read.
     * One pass over the image's record headers indexes where each page lies (page data is
     * skipped; the other records are read and checked); the domain is built without RAM, every
     * page the image holds is marked paged with Dom0 holding the content, and it is unpaused.
     * Its pages come in through the hypervisor's paging ring on first touch and from a
     * background reader (see {@link LazyRestore}); when all are in, a {@code restored} event
     * says so with the time. A corrupt page record found later destroys this domain only, with
     * the cause in a {@code destroyed} event and on the daemon's log.
     */
    private synchronized String lazyRestore(String file, boolean paused, boolean json) throws CommandException {
        long t0 = System.nanoTime();
        Path path = Path.of(file);
        SavedImage img;
        DomainConfig cfg;
        PageIndex index = new PageIndex();
        try {
            img = ImageReader.index(path, index);
            cfg = SaveSupport.config(img, path);
        } catch (ImageException e) {
            throw new CommandException("cannot restore: " + e.getMessage());
        }
        if (cfg.memoryMib() * 256 != img.info().nrPages()) {
            throw new CommandException("cannot restore " + file + ": its config gives " + cfg.memoryMib()
                    + " MiB but the image holds " + img.info().nrPages() + " pages");
        }
        ManagedDomain m = build(cfg, true, true, true, true);
        int domid = m.domid();
        String home = "/local/domain/" + domid;
        LazyRestore lazy = null;
        try {
            lazy = LazyRestore.prepare(host.dom0(), domid, path, index, img.info());
            for (Map.Entry<String, String> e : img.xenstore().entrySet()) {
                if (SaveSupport.carried(e.getKey())) {
                    xs.write(home + "/" + e.getKey(), e.getValue());
                }
            }
            lazyRestores.put(domid, lazy);
            lazy.start(t0, lazyListener(m.name(), file));
            if (!paused) {
                check(hc.unpause(domid), "unpause");
            }
        } catch (ImageException | CommandException | RuntimeException e) {
            teardown(m, "restore failed");
            if (lazy != null && lazyRestores.remove(domid) == null) {
                lazy.close();
            }
            throw new CommandException("cannot restore " + file + ": " + e.getMessage());
        }
        double runningMs = (System.nanoTime() - t0) / 1e6;
        if (json) {
            return String.format(java.util.Locale.ROOT, "{\"domid\":%d,\"name\":\"%s\",\"file\":\"%s\",\"lazy\":true,"
                    + "\"paused\":%b,\"running_ms\":%.3f,\"pages\":%d}", domid, m.name(),
                    file.replace("\\", "\\\\").replace("\"", "\\\""), paused, runningMs, img.info().nrPages());
        }
        return String.format(java.util.Locale.ROOT, "restored %s (domid %d) from %s lazily: %s after %.1f ms; its memory "
                + "loads in the background (a restored event says when it is fully loaded)", m.name(), domid, file,
                paused ? "ready, paused," : "running", runningMs);
    }

    private LazyRestore.Listener lazyListener(String name, String file) {
        return new LazyRestore.Listener() {
            @Override
            public void loaded(LazyRestore r) {
                String msg = String.format(java.util.Locale.ROOT, "fully loaded after %.1f ms (lazy restore from %s: "
                        + "%d pages by the background reader, %d on the guest's first touch)", r.loadedNanos() / 1e6,
                        file, r.streamedPages(), r.demandPages());
                synchronized (Toolstack.this) {
                    lazyRestores.remove(r.domid(), r);
                }
                System.err.println("domusd: " + name + " (domid " + r.domid() + ") " + msg);
                events.domainEvent(ControlEvent.RESTORED, r.domid(), name, msg);
            }

            @Override
            public void failed(LazyRestore r, String cause) {
                System.err.println("domusd: lazy restore of " + name + " (domid " + r.domid() + ") from " + file
                        + " failed: " + cause + "; destroying the domain");
                synchronized (Toolstack.this) {
                    if (lazyRestores.remove(r.domid(), r)) {
                        ManagedDomain md = domains.get(r.domid());
                        if (md != null) {
                            try {
                                teardown(md, "lazy restore from " + file + " failed: " + cause);
                            } catch (CommandException e) {
                                System.err.println("domusd: " + e.getMessage());
                            }
                        }
                    }
                }
            }
        };
    }

    // ---------------------------------------------------------------- live migration (dev.domus.dom0.migrate)

    private synchronized String migrate(String dom, String to, List<String> args) throws CommandException {
        ManagedDomain m = resolve(dom);
        refuseWhileLoading(m, "migrate");
        long timeoutMs;
        int maxRounds = MigrationSender.DEFAULT_MAX_ROUNDS;
        try {
            timeoutMs = SaveSupport.timeoutMillis(args);
            for (String a : args) {
                if (a.startsWith("--max-rounds=")) {
                    maxRounds = Integer.parseInt(a.substring("--max-rounds=".length()));
                    if (maxRounds < 1 || maxRounds > 1000) {
                        throw new NumberFormatException();
                    }
                }
            }
        } catch (NumberFormatException e) {
            throw new CommandException("--max-rounds takes a number of pre-copy rounds from 1 to 1000");
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
        if (migrations != null && sameEndpoint(to, migrations.address())) {
            throw new CommandException("cannot migrate " + m.name() + " to " + to + ": that is this host's own --listen "
                    + "address; name another host's");
        }
        int domid = m.domid();
        String home = "/local/domain/" + domid;
        DomainConfig cfg = m.config;
        BuiltDomain b = m.built;
        SavedDomainInfo info = new SavedDomainInfo(m.name(), domid, cfg.kernel(),
                cfg.kernelJar() == null ? "" : cfg.kernelJar().toString(), cfg.extra() == null ? "" : cfg.extra(),
                cfg.memoryMib() * 1024, cfg.maxmemMib() * 1024, cfg.vcpus(), b.nrPages(),
                new long[] {b.startInfoPfn(), b.sharedInfoPfn(), b.storePfn(), b.consolePfn()});
        String text;
        try {
            text = cfg.source() == null ? null : Files.readString(cfg.source());
        } catch (IOException e) {
            throw new CommandException("cannot migrate " + m.name() + ": its config " + cfg.source()
                    + " cannot be read: " + e.getMessage());
        }
        boolean[] suspended = {false};
        MigrationSender.Source source = new MigrationSender.Source() {
            @Override
            public void suspend() throws Exception {
                Suspender.suspend(v -> xs.write(home + "/control/shutdown", v),
                        () -> SaveSupport.suspended(hc.domainInfo(domid)),
                        () -> SaveSupport.gone(hc.domainInfo(domid)),
                        timeoutMs * 1_000_000L, m.name());
                suspended[0] = true;
                // Shared storage: the guest's blkfront has quiesced; let go of its disks (flushed)
                // now, so the target opens them only once this host no longer writes them.
                blkback.detach(domid);
            }

            @Override
            public Map<String, String> xenstore() {
                return SaveSupport.subtree(xs, home);
            }

            @Override
            public long[][] vcpus() {
                DomainInfo di = hc.domainInfo(domid);
                long[][] v = new long[cfg.vcpus()][];
                for (int i = 0; i < v.length; i++) {
                    v[i] = new long[] {i, i < m.vcpusOnline ? 1 : 0, i == 0 && di != null ? di.cpuTimeNs() : 0};
                }
                return v;
            }
        };
        MigrationReport r;
        try {
            r = new MigrationSender(host.dom0()).migrate(domid, info, cfg.source() == null ? null : cfg.source().toString(),
                    text, source, to, maxRounds, (round, last, done, total, bytes) ->
                            Progress.report("migrate", round, last, done, total, bytes, done == total));
        } catch (MigrationException e) {
            if (e.outcome() == MigrationException.Outcome.TARGET) {
                r = e.report();
            } else if (e.outcome() == MigrationException.Outcome.UNKNOWN) {
                throw new CommandException("cannot migrate " + m.name() + ": " + e.getMessage());
            } else {
                throw new CommandException("cannot migrate " + m.name() + ": " + e.getMessage() + resumeAfterFailure(m,
                        suspended[0]));
            }
        }
        teardown(m, "migrated to " + to + " as domid " + r.targetDomid());
        events.domainEvent(ControlEvent.MIGRATED, domid, m.name(), "to " + to + " as domid " + r.targetDomid());
        return args.contains("--json") ? r.json() : r.text();
    }

    /** Whether {@code to} names this host's own listener (same port, a local address). */
    private static boolean sameEndpoint(String to, String own) {
        int c = to.lastIndexOf(':');
        if (c < 0 || !to.substring(c + 1).equals(own.substring(own.lastIndexOf(':') + 1))) {
            return false;
        }
        try {
            java.net.InetAddress a = java.net.InetAddress.getByName(to.substring(0, c));
            return a.isLoopbackAddress() || a.isAnyLocalAddress()
                    || java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** The migration failed with the domain only here: it runs on (resumed if it was suspended). */
    private String resumeAfterFailure(ManagedDomain m, boolean suspended) {
        int domid = m.domid();
        try {
            xs.write("/local/domain/" + domid + "/control/shutdown", "");
        } catch (XsError ignored) {
            // the request node is only advisory; resuming matters
        }
        DomainInfo i = hc.domainInfo(domid);
        if (suspended || SaveSupport.suspended(i)) {
            String disks = reattachDisks(m);
            if (!disks.isEmpty()) {
                return "; but its disks cannot be opened again (" + disks + "), so it stays suspended: "
                        + "'domus destroy " + m.name() + "' and create it again";
            }
            long rc = hc.resume(domid);
            return rc < 0 ? "; and resuming it failed: " + XenError.name(rc) : "; it was resumed and keeps running here";
        }
        return "; it keeps running here";
    }

    /**
     * Opens a suspended domain's disks again after a failed migration let them go: the front
     * end's state is set back to Initialising first (its suspend left it Closed), so blkback's
     * first look sees a front end about to connect, not one that closed. Returns "" or the error.
     */
    private String reattachDisks(ManagedDomain m) {
        int domid = m.domid();
        if (m.config.disks().isEmpty() || blkback.attached(domid)) {
            return "";
        }
        try {
            for (DiskSpec disk : m.config.disks()) {
                xs.write(XenstoreLayout.vbdFrontendPath(domid, disk.virtualDevice()) + "/state",
                        Integer.toString(XenbusState.XenbusStateInitialising));
            }
            attachDisks(domid, m.config);
            return "";
        } catch (CommandException | XsError e) {
            blkback.detach(domid);
            return e.getMessage();
        }
    }

    /** The toolstack's side of an incoming migration (see {@link MigrationListener}). */
    private final class Incoming implements MigrationListener.Target {
        @Override
        public int build(SavedDomainInfo info, String configSource, String config) throws Exception {
            synchronized (Toolstack.this) {
                if (closed) {
                    throw new CommandException("the target host is stopping");
                }
                Path src = configSource == null || configSource.isEmpty() ? settings.home().resolve(info.name() + ".cfg")
                        : Path.of(configSource);
                DomainConfig cfg;
                try {
                    cfg = XlConfigParser.parse(config, src.getParent(), src);
                } catch (ConfigException e) {
                    throw new CommandException("the config of " + info.name() + " is refused here: " + e.getMessage());
                }
                if (cfg.memoryMib() * 256 != info.nrPages()) {
                    throw new CommandException("the config of " + info.name() + " gives " + cfg.memoryMib()
                            + " MiB but the stream holds " + info.nrPages() + " pages");
                }
                // Disks open at the commit, once the source has let go of them (shared storage).
                return Toolstack.this.build(cfg, true, true, false).domid();
            }
        }

        @Override
        public void prepare(int domid, SavedImage image) {
            synchronized (Toolstack.this) {
                String home = "/local/domain/" + domid;
                for (Map.Entry<String, String> e : image.xenstore().entrySet()) {
                    if (SaveSupport.carried(e.getKey())) {
                        xs.write(home + "/" + e.getKey(), e.getValue());
                    }
                }
            }
        }

        @Override
        public void commit(int domid, String from) throws Exception {
            synchronized (Toolstack.this) {
                ManagedDomain m = domains.get(domid);
                if (m == null) {
                    throw new CommandException("the incoming domain " + domid + " was destroyed before it could run");
                }
                attachDisks(domid, m.config); // the source released them when its guest suspended
                check(hc.unpause(domid), "unpause"); // weight, cap and cpus were applied at build
                events.domainEvent(ControlEvent.MIGRATED, domid, m.name(), "arrived from " + from);
            }
        }

        @Override
        public void abort(int domid, String why) {
            synchronized (Toolstack.this) {
                ManagedDomain m = domains.get(domid);
                if (m != null) {
                    try {
                        teardown(m, "incoming migration failed: " + why);
                    } catch (CommandException | RuntimeException e) {
                        System.err.println("domusd: removing the partial incoming domain " + domid + " failed: " + e);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- lifecycle

    private synchronized String pause(String dom, boolean pause) throws CommandException {
        ManagedDomain m = resolve(dom);
        check(pause ? hc.pause(m.domid()) : hc.unpause(m.domid()), pause ? "pause " + m.name() : "unpause " + m.name());
        events.domainEvent(pause ? ControlEvent.PAUSED : ControlEvent.UNPAUSED, m.domid(), m.name(), "");
        return (pause ? "paused " : "unpaused ") + m.name();
    }

    /**
     * Asks the guest through xenstore ({@code control/shutdown}), as xl does for PV guests; the
     * SDK's lifecycle watch stops the guest cleanly. A guest that has not shut down within
     * {@value #SHUTDOWN_GRACE_MILLIS} ms (it ignores control/shutdown, or has no xenstore) is
     * shut down by the hypervisor ({@code SCHEDOP_remote_shutdown}) from the watcher, unless
     * it advertised {@code control/feature-poweroff} / {@code feature-reboot} = 1 (then, as
     * with xl, it is trusted to act and never forced).
     */
    private synchronized String shutdown(String dom, int reason) throws CommandException {
        ManagedDomain m = resolve(dom);
        String word = reason == SchedOp.SHUTDOWN_reboot ? "reboot" : "poweroff";
        String path = XenstoreLayout.domainPath(m.domid()) + "/control/";
        xs.write(path + "shutdown", word);
        boolean listens;
        try {
            listens = "1".equals(xs.read(path + "feature-" + word));
        } catch (XsError e) {
            listens = false;
        }
        m.forceShutdownAtNanos = listens ? 0 : System.nanoTime() + SHUTDOWN_GRACE_MILLIS * 1_000_000L;
        m.forceShutdownReason = reason;
        return (reason == SchedOp.SHUTDOWN_reboot ? "reboot" : "shutdown") + " of " + m.name() + " (domid "
                + m.domid() + ") requested";
    }

    private String waitShutdown(List<String> args, Responder out) throws CommandException, IOException,
            InterruptedException {
        if (args.isEmpty()) {
            throw new CommandException("wait-shutdown: missing a domain");
        }
        long timeoutMillis;
        int domid;
        try {
            domid = Integer.parseInt(args.get(0));
            timeoutMillis = args.size() > 1 ? Long.parseLong(args.get(1)) * 1000 : 60_000;
        } catch (NumberFormatException e) {
            throw new CommandException("wait-shutdown: give a domid and a timeout in seconds");
        }
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            synchronized (this) {
                ManagedDomain m = domains.get(domid);
                if (m == null || m.handledShutdown >= 0) {
                    return "";
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new CommandException("domain " + m.name() + " did not shut down within "
                            + timeoutMillis / 1000 + " s (it may ignore control/shutdown): try 'domus destroy'");
                }
                wait(Math.min(left, 1000));
            }
            out.heartbeat();
        }
    }

    // ---------------------------------------------------------------- memory and vCPUs

    private synchronized String memSet(String dom, String size, List<String> args) throws CommandException {
        ManagedDomain m = resolve(dom);
        long mib = mib(size);
        DomainInfo info = info(m);
        long maxMib = info.maxPages() * 4 / 1024;
        if (mib > maxMib) {
            throw new CommandException("mem-set " + size + " is above " + m.name() + "'s maxmem of " + maxMib
                    + " MiB: raise it first with 'domus mem-max " + m.name() + " SIZE'");
        }
        long floor = Overcommit.floorMib(m.config.memoryMib());
        if (mib < floor) {
            throw new CommandException("mem-set " + size + " is below " + m.name() + "'s floor of " + floor
                    + " MiB (its kernel, SDK and balloon bookkeeping need that much): choose " + floor + "M or more");
        }
        long timeoutMs = Overcommit.timeoutMillis(args, MemoryManager.DEFAULT_BALLOON_TIMEOUT_MILLIS);
        xs.write(XenstoreLayout.domainPath(m.domid()) + "/memory/target", Long.toString(mib * 1024));
        memory.targetSet(m.domid(), mib * 256, timeoutMs);
        return "memory target of " + m.name() + " set to " + mib + " MiB (its balloon driver follows it; reported if not"
                + " reached within " + timeoutMs / 1000 + " s)";
    }

    private synchronized String memMax(String dom, String size) throws CommandException {
        ManagedDomain m = resolve(dom);
        long mib = mib(size);
        DomainInfo info = info(m);
        long curMib = (info.totPages() * 4 + 1023) / 1024;
        if (mib < curMib) {
            throw new CommandException("mem-max " + size + " is below the " + curMib + " MiB " + m.name()
                    + " holds now: lower its target first with 'domus mem-set'");
        }
        check(hc.maxMem(m.domid(), mib * 1024), "mem-max " + m.name());
        xs.write(XenstoreLayout.domainPath(m.domid()) + "/memory/static-max", Long.toString(mib * 1024));
        return "maximum memory of " + m.name() + " set to " + mib + " MiB";
    }

    private synchronized String vcpuSet(String dom, String count) throws CommandException {
        ManagedDomain m = resolve(dom);
        int n;
        try {
            n = Integer.parseInt(count);
        } catch (NumberFormatException e) {
            throw new CommandException("vcpu-set: '" + count + "' is not a number");
        }
        if (n < 1 || n > m.config.vcpus()) {
            throw new CommandException("vcpu-set " + n + ": " + m.name() + " was created with " + m.config.vcpus()
                    + " vCPUs; use 1 to " + m.config.vcpus());
        }
        String base = XenstoreLayout.domainPath(m.domid()) + "/cpu/";
        for (int i = 0; i < m.config.vcpus(); i++) {
            xs.write(base + i + "/availability", i < n ? "online" : "offline");
        }
        m.vcpusOnline = n;
        return m.name() + ": " + n + " of " + m.config.vcpus() + " vCPUs requested online";
    }

    private synchronized String vcpuPin(String dom, String vcpu, String cpus) throws CommandException {
        ManagedDomain m = resolve(dom);
        SortedSet<Integer> set;
        try {
            set = XlConfigParser.cpus(cpus);
        } catch (ConfigException e) {
            throw new CommandException("vcpu-pin: " + e.getMessage());
        }
        BitSet bits = new BitSet();
        if (set.isEmpty()) {
            bits.set(0, settings.pcpus());
        } else {
            if (set.last() >= settings.pcpus()) {
                throw new CommandException("vcpu-pin: pCPU " + set.last() + " does not exist; the host has 0-"
                        + (settings.pcpus() - 1));
            }
            bits = bits(set);
        }
        List<Integer> targets = new ArrayList<>();
        if (vcpu.equals("all")) {
            for (int i = 0; i < m.config.vcpus(); i++) {
                targets.add(i);
            }
        } else {
            try {
                targets.add(Integer.parseInt(vcpu));
            } catch (NumberFormatException e) {
                throw new CommandException("vcpu-pin: vCPU '" + vcpu + "' must be a number or all");
            }
            if (targets.get(0) < 0 || targets.get(0) >= m.config.vcpus()) {
                throw new CommandException("vcpu-pin: " + m.name() + " has vCPUs 0-" + (m.config.vcpus() - 1));
            }
        }
        for (int v : targets) {
            check(hc.setVcpuAffinity(m.domid(), v, bits, settings.pcpus()), "vcpu-pin " + m.name() + " " + v);
        }
        return "pinned " + m.name() + " vCPU " + vcpu + " to pCPUs " + cpus;
    }

    // ---------------------------------------------------------------- scheduler

    private synchronized String sched(String command, List<String> args) throws CommandException {
        int want = switch (command) {
            case "sched-credit" -> Domctl.XEN_SCHEDULER_CREDIT;
            case "sched-rtds" -> Domctl.XEN_SCHEDULER_RTDS;
            default -> Domctl.XEN_SCHEDULER_CREDIT2;
        };
        if (want != schedId) {
            throw new CommandException(command + ": this host runs the " + settings.sched() + " scheduler; use 'domus sched-"
                    + settings.sched() + "'");
        }
        boolean rt = want == Domctl.XEN_SCHEDULER_RTDS;
        String dom = args.isEmpty() ? "" : args.get(0);
        Map<String, Integer> params = new LinkedHashMap<>();
        for (String kv : args.subList(Math.min(1, args.size()), args.size())) {
            int eq = kv.indexOf('=');
            try {
                params.put(kv.substring(0, eq), Integer.parseInt(kv.substring(eq + 1)));
            } catch (RuntimeException e) {
                throw new CommandException(command + ": bad parameter '" + kv + "'");
            }
        }
        if (!params.isEmpty()) {
            if (dom.isEmpty()) {
                throw new CommandException(command + ": name the domain to change with -d DOM");
            }
            ManagedDomain m = resolve(dom);
            long[] err = new long[1];
            int[] cur = hc.getSchedParams(m.domid(), schedId, err);
            if (cur == null) {
                throw new CommandException(command + " " + m.name() + ": " + XenError.name(err[0]));
            }
            int a = params.getOrDefault(rt ? "period" : "weight", cur[0]);
            int b = params.getOrDefault(rt ? "budget" : "cap", cur[1]);
            if (!rt && (a < 1 || a > 65535)) {
                throw new CommandException(command + ": weight " + a + " must be 1 to 65535");
            }
            if (!rt && (b < 0 || b > 100 * settings.pcpus())) {
                throw new CommandException(command + ": cap " + b + " must be 0 (none) to " + 100 * settings.pcpus());
            }
            if (rt && (b < 1 || b > a)) {
                throw new CommandException(command + ": budget " + b + " must be at least 1 and at most the period " + a);
            }
            check(hc.putSchedParams(m.domid(), schedId, a, b), command + " " + m.name());
        }
        StringBuilder sb = new StringBuilder(String.format("%-20s %5s %9s %9s%n", "Name", "ID",
                rt ? "Period" : "Weight", rt ? "Budget" : "Cap"));
        List<ManagedDomain> shown = dom.isEmpty() ? new ArrayList<>(domains.values()) : List.of(resolve(dom));
        for (ManagedDomain m : shown) {
            long[] err = new long[1];
            int[] p = hc.getSchedParams(m.domid(), schedId, err);
            if (p != null) {
                sb.append(String.format("%-20s %5d %9d %9d%n", m.name(), m.domid(), p[0], p[1]));
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- queries

    private String list(List<String> args) throws CommandException {
        boolean json = args.contains("--json");
        List<String> only = args.stream().filter(a -> !a.equals("--json")).toList();
        List<Object[]> rows = new ArrayList<>();
        synchronized (this) {
            if (only.isEmpty()) {
                DomainInfo d0 = hc.domainInfo(0);
                if (d0 != null) {
                    rows.add(new Object[] {"Domain-0", d0});
                }
                for (ManagedDomain m : domains.values()) {
                    DomainInfo i = hc.domainInfo(m.domid());
                    if (i != null) {
                        rows.add(new Object[] {m.name(), i});
                    }
                }
            } else {
                for (String dom : only) {
                    ManagedDomain m = resolve(dom);
                    rows.add(new Object[] {m.name(), info(m)});
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        if (json) {
            sb.append('[');
            for (int r = 0; r < rows.size(); r++) {
                String name = (String) rows.get(r)[0];
                DomainInfo i = (DomainInfo) rows.get(r)[1];
                sb.append(r == 0 ? "" : ",").append("{\"domid\":").append(i.domid())
                        .append(",\"name\":").append(Json.quote(name))
                        .append(",\"state\":").append(Json.quote(i.stateWord()))
                        .append(",\"xl_state\":").append(Json.quote(i.xlState()))
                        .append(",\"memory_mib\":").append(i.totPages() * 4 / 1024)
                        .append(",\"maxmem_mib\":").append(i.maxPages() * 4 / 1024)
                        .append(",\"vcpus\":").append(i.onlineVcpus())
                        .append(",\"cpu_time_ns\":").append(i.cpuTimeNs())
                        .append(Overcommit.listJson(memory, i)).append('}');
            }
            return sb.append("]\n").toString();
        }
        // xl's columns; Target and Balloon only once a mem-set gave some domain a target.
        boolean targets = rows.stream().anyMatch(r -> memory.target(((DomainInfo) r[1]).domid()) != null);
        sb.append(String.format("%-32s %5s %7s %5s %8s %10s", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)"))
                .append(targets ? String.format(" %7s %s", "Target", "Balloon") : "").append('\n');
        for (Object[] row : rows) {
            DomainInfo i = (DomainInfo) row[1];
            sb.append(String.format("%-32s %5d %7d %5d %8s %10.1f", row[0], i.domid(), i.totPages() * 4 / 1024,
                    i.onlineVcpus(), i.xlState(), i.cpuTimeNs() / 1e9));
            if (targets) {
                sb.append(String.format(" %7s %s", Overcommit.targetText(memory, i.domid()),
                        Overcommit.balloonState(memory, i.domid())).stripTrailing());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * {@code domus vcpu-list [--json] [DOM...]}: one row per vCPU of each domain (all domains
     * without DOM), from XEN_DOMCTL_getvcpuinfo, as {@code xl vcpu-list}.
     */
    private String vcpuList(List<String> args) throws CommandException {
        boolean json = args.contains("--json");
        List<String> only = args.stream().filter(a -> !a.equals("--json")).toList();
        List<Object[]> rows = new ArrayList<>();
        synchronized (this) {
            List<ManagedDomain> shown = new ArrayList<>();
            if (only.isEmpty()) {
                shown.addAll(domains.values());
            } else {
                for (String dom : only) {
                    shown.add(resolve(dom));
                }
            }
            for (ManagedDomain m : shown) {
                for (int v = 0; v < m.config.vcpus(); v++) {
                    VcpuInfo i = hc.vcpuInfo(m.domid(), v);
                    if (i != null) {
                        rows.add(new Object[] {m, i});
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        if (json) {
            sb.append('[');
            for (int r = 0; r < rows.size(); r++) {
                ManagedDomain m = (ManagedDomain) rows.get(r)[0];
                VcpuInfo i = (VcpuInfo) rows.get(r)[1];
                sb.append(r == 0 ? "" : ",").append("{\"domid\":").append(m.domid())
                        .append(",\"name\":").append(Json.quote(m.name()))
                        .append(",\"vcpu\":").append(i.vcpu())
                        .append(",\"online\":").append(i.online())
                        .append(",\"running\":").append(i.running())
                        .append(",\"blocked\":").append(i.blocked())
                        .append(",\"cpu\":").append(i.running() ? i.cpu() : -1)
                        .append(",\"cpu_time_ns\":").append(i.cpuTimeNs()).append('}');
            }
            return sb.append("]\n").toString();
        }
        sb.append(String.format("%-32s %5s %5s %4s %5s %10s%n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)"));
        for (Object[] row : rows) {
            ManagedDomain m = (ManagedDomain) row[0];
            VcpuInfo i = (VcpuInfo) row[1];
            sb.append(String.format("%-32s %5d %5d %4s %5s %10.1f%n", m.name(), m.domid(), i.vcpu(),
                    i.running() ? Integer.toString(i.cpu()) : "-", i.xlState(), i.cpuTimeNs() / 1e9));
        }
        return sb.toString();
    }

    private String info(boolean json) {
        long[] phys = hc.physinfo();
        long total = phys == null ? 0 : phys[1] * 4 / 1024;
        long free = phys == null ? 0 : phys[2] * 4 / 1024;
        long cpus = phys == null ? settings.pcpus() : phys[0];
        int n;
        synchronized (this) {
            n = domains.size();
        }
        if (json) {
            return "{\"home\":" + Json.quote(settings.home().toString()) + ",\"nr_cpus\":" + cpus
                    + ",\"total_memory_mib\":" + total + ",\"free_memory_mib\":" + free
                    + ",\"scheduler\":" + Json.quote(settings.sched()) + ",\"domains\":" + n
                    + ",\"xenstored_socket\":" + Json.quote(xenstoredSocket().toString())
                    + Overcommit.infoJson(memory, guests()) + xenstoreJson() + "}\n";
        }
        return String.format("home                   : %s%nnr_cpus                : %d%ntotal_memory           : %d%n"
                        + "free_memory            : %d%nxen_scheduler          : %s%nnr_domains             : %d%n"
                        + "xenstored_socket       : %s%n",
                settings.home(), cpus, total, free, settings.sched(), n, xenstoredSocket())
                + Overcommit.infoText(memory, guests());
    }

    /**
     * xenstored's counters for {@code info --json}: {@code "xenstore_requests:XS_READ":N} for each
     * message type seen (Xen's names) and {@code "xenstore_watch_events":N}.
     */
    private String xenstoreJson() {
        XsStats st = xenstored.stats();
        StringBuilder sb = new StringBuilder();
        for (int t = 0; t <= dev.domus.abi.XsWire.XS_TYPE_COUNT; t++) {
            String name = XsStats.typeName(t);
            long n = name == null ? 0 : st.requests(t);
            if (n > 0) {
                sb.append(',').append(Json.quote("xenstore_requests:" + name)).append(':').append(n);
            }
        }
        return sb.append(",\"xenstore_watch_events\":").append(st.watchEvents())
                .append(",\"xenstore_watch_events_dropped\":").append(st.watchEventsDropped()).toString();
    }

    /** Per-domain counters as flat JSON (see {@link StatsJson}), for the metrics endpoint and top. */
    private String stats() {
        List<StatsJson.Row> rows = new ArrayList<>();
        synchronized (this) {
            rows.add(new StatsJson.Row("Domain-0", 0));
            for (ManagedDomain m : domains.values()) {
                DomainInfo i = hc.domainInfo(m.domid());
                if (i != null) {
                    rows.add(new StatsJson.Row(m.name(), m.domid(), targetKib(m.domid()),
                            Math.max(0, m.config.memoryMib() * 256 - i.totPages())));
                }
            }
        }
        return StatsJson.render(rows, hc::domainCounters, blkback::stats, domid -> {
            ConsoleOutput o = consoles.output(domid);
            return o == null ? 0 : o.end();
        });
    }

    /** A domain's xenstore memory/target in KiB (what its balloon driver follows), -1 if absent. */
    private long targetKib(int domid) {
        try {
            return Long.parseLong(xs.read(XenstoreLayout.domainPath(domid) + "/memory/target").trim());
        } catch (XsError | NumberFormatException e) {
            return -1;
        }
    }

    private String console(List<String> args, Responder out) throws CommandException, IOException,
            InterruptedException {
        if (args.isEmpty()) {
            throw new CommandException("console: missing a domain");
        }
        boolean follow = args.contains("--follow");
        int domid;
        synchronized (this) {
            domid = resolve(args.get(0)).domid();
        }
        // Two sources: the guest's console ring (the SDK's console) and CONSOLEIO_write
        // (the hypervisor's console, split per domain).
        ConsoleOutput ring = consoles.output(domid);
        long ringPos = 0;
        long logPos = Math.max(0, console.total(domid) - ConsoleLog.LIMIT);
        StringBuilder partial = new StringBuilder();
        while (true) {
            String text = console.since(domid, logPos);
            logPos = console.total(domid);
            if (ring != null) {
                byte[] bytes = ring.readFrom(ringPos);
                ringPos = Math.max(ringPos, ring.start()) + bytes.length;
                text += new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
            }
            partial.append(text);
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                out.line(partial.substring(0, nl));
                partial.delete(0, nl + 1);
            }
            boolean gone;
            synchronized (this) {
                gone = !domains.containsKey(domid) || closed;
            }
            if (!follow || gone) {
                if (partial.length() > 0) {
                    out.line(partial.toString());
                }
                return "";
            }
            boolean more = ring != null ? ring.awaitFrom(ringPos, 250).length > 0 : false;
            if (!more && !console.awaitBeyond(domid, logPos, ring != null ? 250 : 1000)) {
                out.heartbeat();
            }
        }
    }

    // ---------------------------------------------------------------- watcher

    private void watch() {
        byte[] buf = new byte[3072];
        while (!closed) {
            try {
                int n;
                while ((n = hc.readConsole(buf)) > 0) {
                    console.feed(buf, n);
                }
                checkDomains();
                Thread.sleep(WATCH_PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    System.err.println("domusd: toolstack watcher: " + e);
                }
            }
        }
    }

    /** Reports each new shutdown or crash and applies the domain's on_* action. */
    private synchronized void checkDomains() {
        for (ManagedDomain m : new ArrayList<>(domains.values())) {
            DomainInfo i = hc.domainInfo(m.domid());
            if (i != null && !i.shutdown() && m.forceShutdownAtNanos != 0
                    && System.nanoTime() - m.forceShutdownAtNanos > 0) {
                m.forceShutdownAtNanos = 0;
                hc.remoteShutdown(m.domid(), m.forceShutdownReason);
                i = hc.domainInfo(m.domid());
            }
            if (i == null || !i.shutdown() || m.handledShutdown >= 0) {
                continue;
            }
            int reason = i.shutdownReason();
            if (reason == SchedOp.SHUTDOWN_suspend) {
                continue; // save/migration's business, not a lifecycle action
            }
            m.handledShutdown = reason;
            String why = DomainInfo.reasonName(reason);
            events.domainEvent(i.crashed() ? ControlEvent.CRASHED : ControlEvent.SHUTDOWN, m.domid(), m.name(), why);
            LifecycleAction action = switch (reason) {
                case SchedOp.SHUTDOWN_poweroff -> m.config.onPoweroff();
                case SchedOp.SHUTDOWN_reboot -> m.config.onReboot();
                default -> m.config.onCrash();
            };
            try {
                switch (action) {
                    case DESTROY -> teardown(m, "on_" + (i.crashed() ? "crash" : why) + " = destroy");
                    case RESTART -> restart(m, why);
                    case PRESERVE -> { }
                }
            } catch (CommandException e) {
                events.domainEvent(ControlEvent.DESTROYED, m.domid(), m.name(), "on_" + why + " action failed: "
                        + e.getMessage());
            }
            notifyAll();
        }
    }

    /**
     * Restarts a domain from its config, unless it keeps dying soon after starting: like a
     * service manager's restart limit, {@value #MAX_QUICK_RESTARTS} restarts in a row within
     * {@value #QUICK_RESTART_SECONDS} s of starting stop the loop (the domain is destroyed and
     * the event says why), so a guest that always crashes cannot flood the host.
     */
    private void restart(ManagedDomain m, String why) throws CommandException {
        boolean quick = System.nanoTime() - m.builtAtNanos < QUICK_RESTART_SECONDS * 1_000_000_000L;
        int count = quick ? m.quickRestarts + 1 : 0;
        if (count > MAX_QUICK_RESTARTS) {
            teardown(m, why + " " + count + " times within " + QUICK_RESTART_SECONDS
                    + " s of starting: a restart loop, so not restarting it (fix the guest and create it again)");
            return;
        }
        teardown(m, "restarting after " + why);
        ManagedDomain again = build(m.config, false);
        again.quickRestarts = count;
    }

    // ---------------------------------------------------------------- helpers

    /** The guest domains now, for the memory manager. */
    synchronized List<MemoryManager.Guest> guests() {
        List<MemoryManager.Guest> g = new ArrayList<>();
        for (ManagedDomain m : domains.values()) {
            g.add(new MemoryManager.Guest(m.domid(), m.name(), m.config.memoryMib() * 256));
        }
        return g;
    }

    /** The domid of a guest by name or domid (for the overcommit commands). */
    synchronized int domidOf(String dom) throws CommandException {
        return resolve(dom).domid();
    }

    /** A domain by name or domid; Dom0 and unknown domains are refused. Caller holds the lock. */
    private ManagedDomain resolve(String dom) throws CommandException {
        if (dom.equals("0") || dom.equals("Domain-0")) {
            throw new CommandException("Domain-0 cannot be changed with this command");
        }
        if (!dom.isEmpty() && dom.chars().allMatch(Character::isDigit)) {
            ManagedDomain m = dom.length() < 6 ? domains.get(Integer.parseInt(dom)) : null;
            if (m != null) {
                return m;
            }
        } else {
            for (ManagedDomain m : domains.values()) {
                if (m.name().equals(dom)) {
                    return m;
                }
            }
        }
        throw new CommandException("no domain '" + dom + "' on this host (see 'domus list')");
    }

    private DomainInfo info(ManagedDomain m) throws CommandException {
        DomainInfo i = hc.domainInfo(m.domid());
        if (i == null) {
            throw new CommandException("domain " + m.name() + " has gone");
        }
        return i;
    }

    private static void check(long rc, String what) throws CommandException {
        if (rc < 0) {
            throw new CommandException(what + " failed: " + XenError.name(rc));
        }
    }

    private static long mib(String size) throws CommandException {
        try {
            return Sizes.parseMib(size);
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
    }

    private static BitSet bits(SortedSet<Integer> cpus) {
        BitSet b = new BitSet();
        for (int c : cpus) {
            b.set(c);
        }
        return b;
    }

    /** Destroys every domain, stops xenstored and the host. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (migrations != null) {
                migrations.close();
            }
            for (ManagedDomain m : new ArrayList<>(domains.values())) {
                try {
                    teardown(m, "host stopping");
                } catch (CommandException | RuntimeException e) {
                    // the host's close below destroys whatever is left
                }
            }
            notifyAll();
        }
        watcher.interrupt();
        try {
            watcher.join(5000);
            List<LazyRestore> stopped;
            synchronized (this) {
                stopped = new ArrayList<>(stoppedLazyRestores);
            }
            for (LazyRestore r : stopped) {
                r.awaitThreads(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        memory.close();
        blkback.close();
        consoles.close();
        xs.close();
        try {
            xenstoredSocket.close();
        } catch (IOException ignored) {
            // the socket file is in the host's home; the next start replaces it
        }
        xenstored.close();
        hc.close();
        host.close();
    }
}
