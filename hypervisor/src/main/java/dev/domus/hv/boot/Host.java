package dev.domus.hv.boot;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.StartInfo;
import dev.domus.abi.Xen;
import dev.domus.hv.Hypervisor;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.Physmap;
import dev.domus.hv.domain.PhysmapFactory;
import dev.domus.hv.mem.DomainMemory;
import dev.domus.hv.mem.FrameAllocator;
import dev.domus.hv.mem.MachineMemory;
import dev.domus.hv.sched.Policies;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A Domus host: machine memory, the hypervisor, and Dom0 as domid 0. The one entry point
 * of the hypervisor that Dom0's manager uses; everything after {@link #start} goes through
 * {@link #dom0()}'s gate.
 *
 * <pre>{@code
 * try (Host host = Host.start(HostConfig.defaults().withMemory(2L << 30).withPcpus(2))) {
 *     Dom0 dom0 = host.dom0();
 *     BuiltDomain d = new DomainBuilder(dom0).build(DomainSpec.of("com.example.MyKernel", 64 << 10, 1));
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link #close} destroys every domain (their vCPU threads end), stops the hypervisor's
 * threads and frees machine memory.
 */
public final class Host implements AutoCloseable {

    /** Foreign-mapping slots above Dom0's RAM: 256 MiB worth of PFNs. */
    public static final int DOM0_FOREIGN_SLOTS = 65536;

    private final HostConfig config;
    private final MachineMemory machine;
    private final FrameAllocator frames;
    private final Hypervisor hypervisor;
    private final Dom0 dom0;
    private final AtomicReference<Path> pagingDir;
    private final LowMemoryVirq lowMemory;
    private volatile boolean closed;

    private Host(HostConfig config, MachineMemory machine, FrameAllocator frames, Hypervisor hv, Dom0 dom0,
                 AtomicReference<Path> pagingDir) {
        this.pagingDir = pagingDir;
        this.config = config;
        this.machine = machine;
        this.frames = frames;
        this.hypervisor = hv;
        this.dom0 = dom0;
        this.lowMemory = new LowMemoryVirq(hv.domains());
        frames.onLowMemory(0, lowMemory);
    }

    /**
     * Boots a host: allocates machine memory, starts the hypervisor with the named scheduling
     * policy on {@code pcpus} run tokens, and creates Dom0 with its memory populated.
     *
     * @throws IllegalArgumentException if the configuration is invalid (the message says what to fix)
     */
    public static Host start(HostConfig config) {
        config.validate();
        MachineMemory machine = new MachineMemory(config.memoryBytes());
        Hypervisor hv = null;
        try {
            FrameAllocator frames = new FrameAllocator(machine);
            AtomicReference<Path> pagingDir = new AtomicReference<>();
            PhysmapFactory factory = new PhysmapFactory() {
                @Override
                public Physmap create(int domid, long maxPfn, long maxPages) {
                    Path dir = pagingDir.get();
                    DomainMemory dm = new DomainMemory(domid, frames, maxPfn, maxPages);
                    return new MemPhysmap(dm, dir == null || domid == 0 ? null
                        : new DomainPagingFile(dir.resolve("dom" + domid + ".paging")));
                }

                @Override
                public long totalFrames() {
                    return frames.totalFrames();
                }

                @Override
                public long freeFrames() {
                    return frames.freeFrames();
                }

                @Override
                public long sharedFrames() {
                    return frames.sharedFrames();
                }

                @Override
                public long sharingFreedPages() {
                    return frames.sharingFreedPages();
                }

                @Override
                public void lowMemoryThreshold(long threshold) {
                    frames.lowMemoryThreshold(threshold);
                }
            };
            hv = new Hypervisor(factory, Policies.create(config.scheduler(), config.pcpus()), config.pcpus());
            Dom0 dom0 = bootDom0(hv, config);
            return new Host(config, machine, frames, hv, dom0, pagingDir);
        } catch (RuntimeException | Error e) {
            if (hv != null) {
                hv.close();
            }
            machine.close();
            throw e;
        }
    }

    private static Dom0 bootDom0(Hypervisor hv, HostConfig config) {
        long pages = config.dom0MemoryBytes() >>> Xen.PAGE_SHIFT;
        Domain d0 = hv.createDomain(0, true, pages + DOM0_FOREIGN_SLOTS, pages);
        if (d0 == null) {
            throw new IllegalStateException("cannot create Dom0");
        }
        d0.setMaxVcpus(1);
        Physmap pm = d0.physmap();
        for (long pfn = 0; pfn < pages; pfn++) {
            if (pm.populate(pfn) != 0) {
                throw new IllegalArgumentException("host memory too small for Dom0's " + pages + " pages");
            }
        }
        long startInfo = (long) Dom0.START_INFO_PFN << Xen.PAGE_SHIFT;
        long sharedInfo = (long) Dom0.SHARED_INFO_PFN << Xen.PAGE_SHIFT;
        d0.setSharedInfo(startInfo, sharedInfo);
        UnsafeBuffer si = new UnsafeBuffer(new byte[StartInfoWriter.LENGTH]);
        StartInfoWriter.write(si, pages, sharedInfo, StartInfo.SIF_PRIVILEGED | StartInfo.SIF_INITDOMAIN,
            0, 0, 0, 0, "");
        pm.copyToGuest(startInfo, si, 0, si.capacity());
        d0.runWithoutVcpuThreads();
        Dom0Pages dp = new Dom0Pages(Dom0.FIRST_RAM_PFN, pages - Dom0.FIRST_RAM_PFN, pages, DOM0_FOREIGN_SLOTS);
        return new Dom0(d0.gate(), pm.memory(), dp);
    }

    /**
     * Enables hypervisor paging for domains created from now on: each gets a paging file
     * {@code dom<ID>.paging} in {@code dir} (created on its first page-out, deleted when the
     * domain is destroyed), which Dom0's pager fills through {@code XENMEM_paging_op}. Without
     * it, {@code XENMEM_paging_op_nominate} fails with {@code -XEN_EINVAL}.
     */
    public void pagingDirectory(Path dir) {
        pagingDir.set(dir.toAbsolutePath());
    }

    public HostConfig config() {
        return config;
    }

    /** Dom0: its gate, memory and page bookkeeping. */
    public Dom0 dom0() {
        return dom0;
    }

    public boolean isClosed() {
        return closed;
    }

    /** The hypervisor itself: for the hypervisor's own tests only (package-private). */
    Hypervisor hypervisor() {
        return hypervisor;
    }

    /** Frames of machine memory not owned by any domain (tests compare it with a baseline). */
    long freeFrames() {
        return frames.freeFrames();
    }

    /** Destroys every domain, stops the hypervisor's threads and frees machine memory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        lowMemory.close();
        if (hypervisor.shutdown()) {
            machine.close();
        }
        // else: a vCPU thread is still in guest code; leaking the region beats a crash.
    }

    /** Writes Xen's x86_64 {@code start_info} (1168 bytes; offsets checked with gcc against xen.h). */
    static final class StartInfoWriter {
        static final int LENGTH = 1168;
        static final String MAGIC = "xen-3.0-x86_64";

        private StartInfoWriter() {
        }

        static void write(UnsafeBuffer b, long nrPages, long sharedInfoAddress, int flags,
                          long storePfn, int storeEvtchn, long consolePfn, int consoleEvtchn, String cmdline) {
            b.setMemory(0, LENGTH, (byte) 0);
            b.putBytes(0, MAGIC.getBytes(StandardCharsets.US_ASCII));
            b.putLong(32, nrPages, LITTLE_ENDIAN);
            b.putLong(40, sharedInfoAddress, LITTLE_ENDIAN);
            b.putInt(48, flags, LITTLE_ENDIAN);
            b.putLong(56, storePfn, LITTLE_ENDIAN);
            b.putInt(64, storeEvtchn, LITTLE_ENDIAN);
            b.putLong(72, consolePfn, LITTLE_ENDIAN);
            b.putInt(80, consoleEvtchn, LITTLE_ENDIAN);
            byte[] cmd = cmdline.getBytes(StandardCharsets.UTF_8);
            int n = Math.min(cmd.length, StartInfo.MAX_GUEST_CMDLINE - 1);
            b.putBytes(128, cmd, 0, n);
        }
    }
}
