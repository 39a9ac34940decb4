package dev.domus.sdk;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.VcpuContext;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.balloon.Balloon;
import dev.domus.sdk.blk.BlkFront;
import dev.domus.sdk.console.Console;
import dev.domus.sdk.event.Clock;
import dev.domus.sdk.event.EventChannels;
import dev.domus.sdk.event.Timers;
import dev.domus.sdk.grant.GrantTable;
import dev.domus.sdk.hypercall.AsyncHypercalls;
import dev.domus.sdk.hypercall.Hypervisor;
import dev.domus.sdk.hypercall.MulticallBuilder;
import dev.domus.sdk.mem.GuestHashMap;
import dev.domus.sdk.mem.GuestHeap;
import dev.domus.sdk.mem.GuestLog;
import dev.domus.sdk.mem.GuestPages;
import dev.domus.sdk.xenstore.XenStore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A booted domain, as its kernel sees it: the entry to everything the SDK offers. Built by
 * {@link DomusKernel} on vCPU 0 from start_info (the shared_info page, the xenstore and
 * console rings and their event channels, the command line).
 *
 * <p>Memory: {@link #pages()} is the guest's page allocator (in guest memory);
 * {@link #pagesFor(String, int)} hands out named page ranges that are the same after a
 * resume; {@link #heap()}, {@link #map(String)} and {@link #log(String, int)} are
 * memory-resident structures found again by name.
 *
 * <p>Lifecycle: {@link #sleep(long)} and {@link #checkpoint()} are clean points where the SDK
 * acts on {@code control/shutdown} (suspend, poweroff, reboot), on balloon targets and on
 * {@code cpu/N/availability} ({@code domus vcpu-set}: vCPUs brought down and up).
 */
public final class Domu {

    private static final String SHUTDOWN_TOKEN = "sdk:control/shutdown";
    private static final String BALLOON_TOKEN = "sdk:memory/target";
    private static final String CPU_TOKEN = "sdk:cpu";

    private final VcpuContext vcpu;
    private final DomusKernel kernel;
    private final GuestMemory memory;
    private final Hypervisor hv;
    private final long nrPages;
    private final long sharedInfo;
    private final Map<String, String> params;
    private final GuestPages pages;
    private final Clock clock;
    private final EventChannels events;
    private final Timers timers;
    private final Console console;
    private final XenStore xenstore;
    private final List<Device> devices = new ArrayList<>();
    private GrantTable grants;
    private GuestHeap heap;
    private AsyncHypercalls async;
    private Balloon balloon;
    private boolean shutdownRequested;
    private boolean balloonChanged;
    private boolean cpusChanged;

    /** A device the SDK quiesces before a suspend and reconnects if it is cancelled. */
    public interface Device {
        void quiesce();

        void reconnect();
    }

    private Domu(VcpuContext vcpu, DomusKernel kernel) {
        this.vcpu = vcpu;
        this.kernel = kernel;
        this.memory = vcpu.memory();
        long si = vcpu.startInfoAddress();
        this.nrPages = memory.getLong(si + START_INFO_NR_PAGES_OFFSET);
        this.sharedInfo = memory.getLong(si + START_INFO_SHARED_INFO_OFFSET);
        long storePfn = memory.getLong(si + START_INFO_STORE_MFN_OFFSET);
        int storePort = memory.getInt(si + START_INFO_STORE_EVTCHN_OFFSET);
        long consolePfn = memory.getLong(si + START_INFO_CONSOLE_MFN_OFFSET);
        int consolePort = memory.getInt(si + START_INFO_CONSOLE_EVTCHN_OFFSET);
        this.params = parseCmdline(readCmdline(si));

        long[] reserved = {si >>> Xen.PAGE_SHIFT, sharedInfo >>> Xen.PAGE_SHIFT, storePfn, consolePfn};
        long bitmapPages = GuestPages.bitmapPages(nrPages);
        long root = rootPfn(reserved, bitmapPages);
        this.pages = GuestPages.isFormatted(memory, root) ? GuestPages.attach(memory, root)
                : GuestPages.format(memory, root, nrPages, reserved);

        long scratch = pagesFor("sdk.scratch." + vcpu.vcpuId(), 1) << Xen.PAGE_SHIFT;
        this.hv = new Hypervisor(vcpu.gate(), memory, scratch);
        this.clock = new Clock(hv, sharedInfo, vcpu);
        this.events = new EventChannels(hv, sharedInfo, vcpu.vcpuId(), clock);
        this.timers = new Timers(hv, events, vcpu.vcpuId());
        this.console = new Console(hv, events, consolePfn == 0 ? 0 : consolePfn << Xen.PAGE_SHIFT, consolePort);
        boolean storeOff = "off".equals(params.get("xenstore"));
        this.xenstore = storePfn == 0 || storeOff ? null : new XenStore(events, memory, storePfn << Xen.PAGE_SHIFT, storePort);
    }

    static Domu boot(VcpuContext vcpu, DomusKernel kernel) {
        Domu d = new Domu(vcpu, kernel);
        if (d.xenstore != null) {
            d.xenstore.onWatch(SHUTDOWN_TOKEN, e -> d.shutdownRequested = true);
            d.xenstore.watchNoWait("control/shutdown", SHUTDOWN_TOKEN); // boot never waits for xenstored
            // vCPU hotplug, as Linux's drivers/xen/cpu_hotplug.c: the watch fires once when set,
            // so the availability the toolstack wrote before boot is applied too. With one
            // vCPU there is nothing to change (vCPU 0 stays up), so no watch and no traffic.
            if (vcpu.vcpuCount() > 1) {
                d.xenstore.onWatch(CPU_TOKEN, e -> d.cpusChanged = true);
                d.xenstore.watchNoWait("cpu", CPU_TOKEN);
            }
        }
        return d;
    }

    private long rootPfn(long[] reserved, long bitmapPages) {
        for (long p = 0; p + bitmapPages < nrPages; p++) {
            boolean clash = false;
            for (long r : reserved) {
                if (r >= p && r <= p + bitmapPages) {
                    clash = true;
                    break;
                }
            }
            if (!clash) {
                return p;
            }
        }
        throw new XenException(XenErrno.XEN_ENOMEM, "Domu.boot", "no room for the page allocator in " + nrPages + " pages");
    }

    // ------------------------------------------------------------------ what the kernel sees

    public VcpuContext vcpu() {
        return vcpu;
    }

    public GuestMemory memory() {
        return memory;
    }

    /** Typed hypercalls (vCPU 0's). */
    public Hypervisor hypervisor() {
        return hv;
    }

    /** True after a restore or migration. */
    public boolean resumed() {
        return vcpu.resumed();
    }

    /** Pages the domain was built with (start_info's nr_pages). */
    public long nrPages() {
        return nrPages;
    }

    /** Guest-physical address of shared_info. */
    public long sharedInfoAddress() {
        return sharedInfo;
    }

    /** A {@code key=value} from the kernel command line (the config's extra keys), or {@code fallback}. */
    public String param(String key, String fallback) {
        String v = params.get(key);
        return v == null ? fallback : v;
    }

    public long param(String key, long fallback) {
        String v = params.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new XenException(XenErrno.XEN_EINVAL, "parameter " + key, "'" + v + "' is not a number");
        }
    }

    public GuestPages pages() {
        return pages;
    }

    public Clock clock() {
        return clock;
    }

    /** Hypervisor system time in nanoseconds. */
    public long now() {
        return clock.now();
    }

    public EventChannels events() {
        return events;
    }

    public Timers timers() {
        return timers;
    }

    public Console console() {
        return console;
    }

    /** Shorthand for {@code console().printf(...)}. */
    public void printf(String format, Object... args) {
        console.printf(format, args);
    }

    /**
     * The xenstore client; throws XEN_ENODEV when the domain has none (start_info store_mfn is
     * 0, or the toolstack passed {@code xenstore=off} because no xenstored serves it).
     */
    public XenStore xenstore() {
        if (xenstore == null) {
            throw new XenException(XenErrno.XEN_ENODEV, "xenstore",
                    "this domain has no xenstore (store_mfn is 0 or the command line says xenstore=off)");
        }
        return xenstore;
    }

    public boolean hasXenstore() {
        return xenstore != null;
    }

    /** The grant table (set up on first use, one frame: 504 usable references). */
    public GrantTable grants() {
        if (grants == null) {
            grants = new GrantTable(hv, (int) param("grant_frames", 1));
        }
        return grants;
    }

    /**
     * {@code count} contiguous pages registered under {@code name}: allocated on first use,
     * the same pages after a resume. Returns the first pfn.
     */
    public long pagesFor(String name, int count) {
        long pfn = pages.root(name);
        if (pfn != 0) {
            return pfn - 1;
        }
        long p = pages.allocateContiguous(count);
        pages.setRoot(name, p + 1); // +1 so that pfn 0 is distinguishable from "absent"
        return p;
    }

    /** The domain's heap in guest memory ({@code heap_kib} parameter, default 4 MiB or a quarter of free memory). */
    public GuestHeap heap() {
        if (heap == null) {
            long addr = pages.root("sdk.heap");
            if (addr != 0) {
                heap = GuestHeap.attach(memory, addr);
            } else {
                long kib = param("heap_kib", Math.min(4096, pages.freePages() * 4 / 4));
                int n = (int) Math.max(1, kib / 4);
                long base = pagesFor("sdk.heap.pages", n) << Xen.PAGE_SHIFT;
                heap = GuestHeap.format(memory, base, (long) n * Xen.PAGE_SIZE);
                pages.setRoot("sdk.heap", base);
            }
        }
        return heap;
    }

    /** A hash map in the heap, registered under {@code name}: created once, found again after resume. */
    public GuestHashMap map(String name) {
        long addr = pages.root("map." + name);
        if (addr != 0) {
            return GuestHashMap.attach(heap(), addr);
        }
        GuestHashMap m = GuestHashMap.create(heap(), 64);
        pages.setRoot("map." + name, m.address());
        return m;
    }

    /** A log of {@code bytes} bytes registered under {@code name}. */
    public GuestLog log(String name, int bytes) {
        long addr = pages.root("log." + name);
        if (addr != 0) {
            return GuestLog.attach(memory, addr);
        }
        int n = (bytes + Xen.PAGE_SIZE - 1) / Xen.PAGE_SIZE;
        long base = pagesFor("log.pages." + name, n) << Xen.PAGE_SHIFT;
        GuestLog log = GuestLog.format(memory, base, (long) n * Xen.PAGE_SIZE);
        pages.setRoot("log." + name, base);
        return log;
    }

    /** A multicall builder of {@code capacity} entries over its own named pages. */
    public MulticallBuilder multicall(int capacity) {
        int n = (capacity * MULTICALL_ENTRY_LENGTH + Xen.PAGE_SIZE - 1) / Xen.PAGE_SIZE;
        long base = pagesFor("sdk.multicall." + capacity, n) << Xen.PAGE_SHIFT;
        return new MulticallBuilder(vcpu.gate(), memory, base, capacity);
    }

    /** The async hypercall client (registers its ring on first use). */
    public AsyncHypercalls async() {
        if (async == null) {
            long ring = pagesFor("sdk.async.ring", 1) << Xen.PAGE_SHIFT;
            async = new AsyncHypercalls(hv, events, ring, 1);
            devices.add(new Device() {
                @Override public void quiesce() {
                    async.close();
                }

                @Override public void reconnect() {
                    async = null;
                }
            });
        }
        return async;
    }

    /** The balloon driver: follows {@code memory/target} in xenstore at clean points. */
    public Balloon balloon() {
        if (balloon == null) {
            balloon = new Balloon(this);
            if (xenstore != null) {
                xenstore.onWatch(BALLOON_TOKEN, e -> balloonChanged = true);
                xenstore.watchNoWait("memory/target", BALLOON_TOKEN);
            }
        }
        return balloon;
    }

    /** The first virtual disk (blkfront), connected to its backend. */
    public BlkFront disk() {
        List<String> vbds = xenstore().directory("device/vbd");
        if (vbds.isEmpty()) {
            throw new XenException(XenErrno.XEN_ENODEV, "disk", "the domain has no virtual disk (device/vbd is empty)");
        }
        return disk(vbds.get(0));
    }

    /** The virtual disk with xenstore device id {@code id} (e.g. "51712" for xvda). */
    public BlkFront disk(String id) {
        BlkFront b = BlkFront.connect(this, id);
        devices.add(new Device() {
            @Override public void quiesce() {
                b.disconnect();
            }

            @Override public void reconnect() {
                b.reconnect();
            }
        });
        return b;
    }

    // ------------------------------------------------------------------ clean points

    /** Sleeps for {@code nanos} of system time, then runs {@link #checkpoint()}. */
    public void sleep(long nanos) {
        long deadline = clock.now() + nanos;
        while (clock.now() < deadline) {
            timers.sleepUntil(Math.min(deadline, clock.now() + nanos));
            checkpoint();
        }
        checkpoint();
    }

    /**
     * A clean point: handles pending events, a balloon target change, and a
     * {@code control/shutdown} request (suspend runs the kernel's suspend hook and returns
     * here after a cancelled suspend; poweroff and reboot unwind with {@link GuestShutdown}).
     */
    public void checkpoint() {
        events.dispatch();
        if (xenstore == null) {
            return;
        }
        xenstore.poll(); // runs the SDK's watch handlers; the kernel's own watch events stay queued for it
        if (cpusChanged) {
            cpusChanged = false;
            applyCpuAvailability();
        }
        if (balloonChanged && balloon != null) {
            balloonChanged = false;
            balloon.adjust();
        }
        if (shutdownRequested) {
            shutdownRequested = false;
            String what = xenstore.readOr("control/shutdown", "");
            switch (what) {
                case "suspend":
                    suspend();
                    break;
                case "poweroff":
                case "halt":
                    xenstore.write("control/shutdown", "");
                    shutdown(SHUTDOWN_poweroff);
                    break;
                case "reboot":
                    xenstore.write("control/shutdown", "");
                    shutdown(SHUTDOWN_reboot);
                    break;
                default:
                    break; // "" (acknowledged) or unknown: ignore, as Linux does
            }
        }
    }

    /**
     * Brings each vCPU up or down as {@code cpu/N/availability} says ("online" or "offline"),
     * as Linux's Xen CPU hotplug does: VCPUOP_down stops a vCPU at its next safepoint and
     * takes it off the run queue; VCPUOP_up lets it continue where it stopped. vCPU 0 runs the
     * kernel's main and is never taken down (Linux keeps its boot CPU too). A vCPU whose
     * {@link DomusKernel#secondary} has returned has nothing to run, and stays offline.
     */
    private void applyCpuAvailability() {
        for (String id : xenstore.directory("cpu")) {
            int cpu;
            try {
                cpu = Integer.parseInt(id);
            } catch (NumberFormatException e) {
                continue;
            }
            if (cpu == 0) {
                continue;
            }
            String want = xenstore.readOr("cpu/" + id + "/availability", "");
            try {
                if (want.equals("online") && !hv.vcpuIsUp(cpu)) {
                    hv.vcpuUp(cpu);
                } else if (want.equals("offline") && hv.vcpuIsUp(cpu)) {
                    hv.vcpuDown(cpu);
                }
            } catch (XenException e) {
                // no such vCPU, or one without a context to run (XEN_EINVAL): nothing to change
            }
        }
    }

    /** Suspends now (the kernel's hook runs first). Returns only if the suspend was cancelled. */
    public void suspend() {
        if (xenstore != null) {
            xenstore.write("control/shutdown", "");
        }
        try {
            kernel.onSuspend(this);
        } catch (Exception e) {
            throw new XenException(XenErrno.XEN_EIO, "suspend hook", e.toString());
        }
        for (int i = devices.size() - 1; i >= 0; i--) {
            devices.get(i).quiesce();
        }
        hv.shutdown(SHUTDOWN_suspend); // parks until destroyed (saved) or resumed here (cancelled)
        for (Device d : devices) {
            d.reconnect();
        }
        try {
            kernel.onSuspendCancelled(this);
        } catch (Exception e) {
            throw new XenException(XenErrno.XEN_EIO, "suspend-cancelled hook", e.toString());
        }
    }

    /** Shuts the domain down with a SHUTDOWN_* reason and unwinds the kernel. */
    public void shutdown(int reason) {
        hv.shutdown(reason);
        throw new GuestShutdown(reason);
    }

    /**
     * Publishes a status value at {@code path} in xenstore without waiting for the answer (see
     * {@link XenStore#writeNoWait}); returns false if it could not be posted (no xenstore, or
     * the ring is full because xenstored is not keeping up).
     */
    public boolean publish(String path, String value) {
        return xenstore != null && xenstore.writeNoWait(path, value);
    }

    // ------------------------------------------------------------------ internals

    private String readCmdline(long si) {
        byte[] b = new byte[MAX_GUEST_CMDLINE];
        memory.getBytes(si + START_INFO_CMD_LINE_OFFSET, b, 0, b.length);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** Splits {@code k=v} words on spaces (no regex: guest code avoids java.util.regex). */
    static Map<String, String> parseCmdline(String cmdline) {
        Map<String, String> m = new HashMap<>();
        int i = 0;
        int n = cmdline.length();
        while (i < n) {
            while (i < n && cmdline.charAt(i) <= ' ') {
                i++;
            }
            int start = i;
            while (i < n && cmdline.charAt(i) > ' ') {
                i++;
            }
            if (i > start) {
                String word = cmdline.substring(start, i);
                int eq = word.indexOf('=');
                if (eq < 0) {
                    m.put(word, "");
                } else {
                    m.put(word.substring(0, eq), word.substring(eq + 1));
                }
            }
        }
        return m;
    }
}
