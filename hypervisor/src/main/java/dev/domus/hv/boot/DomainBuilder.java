package dev.domus.hv.boot;

import dev.domus.abi.Domctl;
import dev.domus.abi.DomusDomctl;
import dev.domus.abi.EventChannelOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.MemoryOp;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import java.nio.charset.StandardCharsets;

/**
 * Dom0's domain builder, in the manner of libxc's {@code xc_dom_*}: it builds a domain using
 * only Dom0's gate and memory, so the toolstack runs it as ordinary Dom0 code.
 *
 * <ol>
 *   <li>{@code XEN_DOMCTL_createdomain} (vCPUs, event channel limit), {@code XEN_DOMCTL_max_mem};</li>
 *   <li>{@code XENMEM_populate_physmap} for PFNs {@code 0..nrPages-1};</li>
 *   <li>the special pages, at fixed frames: {@value #START_INFO_PFN} start_info,
 *       {@value #SHARED_INFO_PFN} shared_info, {@value #STORE_PFN} the xenstore ring,
 *       {@value #CONSOLE_PFN} the console ring; the guest's free memory starts at
 *       {@value #FIRST_FREE_PFN};</li>
 *   <li>two {@code EVTCHNOP_alloc_unbound} ports of the new domain for Dom0 (xenstore, console);</li>
 *   <li>start_info written through a foreign mapping ({@code XENMEM_add_to_physmap_batch},
 *       {@code XENMAPSPACE_gmfn_foreign}) into Dom0's space, then unmapped: magic
 *       "xen-3.0-x86_64", nr_pages, shared_info (a guest-physical address), flags 0,
 *       store_mfn/store_evtchn, console mfn/evtchn (guest frames), cmd_line;</li>
 *   <li>the kernel named with the Domus domctl ({@link DomusDomctl#XEN_DOMCTL_domus_kernel}),
 *       which loads and checks it now; a refusal comes back with its message;</li>
 *   <li>{@code XEN_DOMCTL_unpausedomain} unless the spec says paused.</li>
 * </ol>
 * On any failure the half-built domain is destroyed and {@link DomainBuildException} says
 * which step failed and why. Thread-safe: each build uses its own scratch pages of Dom0's.
 */
public final class DomainBuilder {

    public static final int START_INFO_PFN = 0;
    public static final int SHARED_INFO_PFN = 1;
    public static final int STORE_PFN = 2;
    public static final int CONSOLE_PFN = 3;
    public static final int FIRST_FREE_PFN = 4;

    private static final int SCRATCH_PAGES = 5;
    private static final int EXTENTS_PER_BATCH = Xen.PAGE_SIZE / 8;
    private static final int ERROR_CAP = 3072;

    private final Dom0 dom0;
    private final HypercallGate gate;
    private final GuestMemory mem;

    public DomainBuilder(Dom0 dom0) {
        this.dom0 = dom0;
        this.gate = dom0.gate();
        this.mem = dom0.memory();
    }

    /**
     * Builds and (unless {@link DomainSpec#startPaused()}) starts a domain.
     *
     * @throws DomainBuildException naming the failed step; nothing of the domain remains
     * @throws IllegalArgumentException if the spec itself is invalid
     */
    public BuiltDomain build(DomainSpec spec) throws DomainBuildException {
        return build(spec, true);
    }

    /**
     * As {@link #build}, populating only the special pages ({@code 0..FIRST_FREE_PFN-1}): the
     * guest's RAM PFNs stay empty for the caller to fill, e.g. a lazy restore, which marks them
     * paged with their content in the save image ({@code XENMEM_paging_op_domus_populate_paged}).
     * start_info's {@code nr_pages} is the spec's memory all the same.
     */
    public BuiltDomain buildWithoutRam(DomainSpec spec) throws DomainBuildException {
        return build(spec, false);
    }

    private BuiltDomain build(DomainSpec spec, boolean ram) throws DomainBuildException {
        spec.validate();
        long scratch = dom0.pages().allocate(SCRATCH_PAGES);
        int domid = -1;
        try {
            domid = create(scratch, spec);
            long nrPages = spec.memoryKb() / 4;
            if (nrPages <= FIRST_FREE_PFN) {
                throw new DomainBuildException("memory too small for the special pages", XenErrno.XEN_EINVAL);
            }
            check(domctl(scratch, Domctl.XEN_DOMCTL_max_mem, domid, 8, spec.maxMemoryKb()), "max_mem");
            populate(scratch, domid, ram ? nrPages : FIRST_FREE_PFN);
            int storePort = allocUnbound(scratch, domid);
            int consolePort = allocUnbound(scratch, domid);
            writeStartInfo(scratch, domid, nrPages, storePort, consolePort, spec.cmdline() == null ? "" : spec.cmdline());
            nameKernel(scratch, domid, spec);
            if (!spec.startPaused()) {
                check(domctl(scratch, Domctl.XEN_DOMCTL_unpausedomain, domid, 0, 0), "unpausedomain");
            }
            BuiltDomain built = new BuiltDomain(domid, nrPages, START_INFO_PFN, SHARED_INFO_PFN,
                STORE_PFN, storePort, CONSOLE_PFN, consolePort, FIRST_FREE_PFN);
            domid = -1; // built: nothing to undo
            return built;
        } finally {
            if (domid >= 0) {
                domctl(scratch, Domctl.XEN_DOMCTL_destroydomain, domid, 0, 0);
            }
            dom0.pages().free(scratch, SCRATCH_PAGES);
        }
    }

    private int create(long s, DomainSpec spec) throws DomainBuildException {
        mem.setMemory(s, 144, (byte) 0);
        mem.putInt(s, Domctl.XEN_DOMCTL_createdomain);
        mem.putInt(s + 4, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        mem.putShort(s + 8, (short) 0);
        mem.putInt(s + 16 + 28, spec.vcpus());
        mem.putInt(s + 16 + 32, spec.maxEvtchnPort());
        long rc = gate.call(Hypercalls.__HYPERVISOR_domctl, s);
        if (rc < 0) {
            throw new DomainBuildException("createdomain failed: " + XenErrors.name(rc), (int) -rc);
        }
        return mem.getShort(s + 8) & 0xffff;
    }

    /** A domctl whose union starts with one value of {@code size} bytes (0, 4 or 8). */
    private long domctl(long s, int cmd, int domid, int size, long value) {
        mem.setMemory(s, 144, (byte) 0);
        mem.putInt(s, cmd);
        mem.putInt(s + 4, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        mem.putShort(s + 8, (short) domid);
        if (size == 8) {
            mem.putLong(s + 16, value);
        } else if (size == 4) {
            mem.putInt(s + 16, (int) value);
        }
        return gate.call(Hypercalls.__HYPERVISOR_domctl, s);
    }

    private void populate(long s, int domid, long nrPages) throws DomainBuildException {
        long res = s + 512;
        long extents = s + Xen.PAGE_SIZE;
        for (long first = 0; first < nrPages; first += EXTENTS_PER_BATCH) {
            int n = (int) Math.min(EXTENTS_PER_BATCH, nrPages - first);
            for (int i = 0; i < n; i++) {
                mem.putLong(extents + i * 8L, first + i);
            }
            mem.setMemory(res, 32, (byte) 0);
            mem.putLong(res, extents);
            mem.putLong(res + 8, n);
            mem.putShort(res + 24, (short) domid);
            long rc = gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_populate_physmap, res);
            if (rc != n) {
                throw new DomainBuildException("populate_physmap stopped at page " + (first + Math.max(rc, 0))
                    + " of " + nrPages + (rc < 0 ? ": " + XenErrors.name(rc) : ": the host is out of memory"),
                    rc < 0 ? (int) -rc : XenErrno.XEN_ENOMEM);
            }
        }
    }

    private int allocUnbound(long s, int domid) throws DomainBuildException {
        long a = s + 1024;
        mem.putShort(a, (short) domid);
        mem.putShort(a + 2, (short) 0);
        mem.putInt(a + 4, 0);
        long rc = gate.call(Hypercalls.__HYPERVISOR_event_channel_op, EventChannelOp.EVTCHNOP_alloc_unbound, a);
        check(rc, "alloc_unbound");
        return mem.getInt(a + 4);
    }

    private void writeStartInfo(long s, int domid, long nrPages, int storePort, int consolePort, String cmdline)
            throws DomainBuildException {
        long slot = dom0.pages().allocateSlots(1);
        long batch = s + 2048;
        long idx = batch + 64;
        long gpfn = batch + 72;
        long err = batch + 80;
        mem.setMemory(batch, 32, (byte) 0);
        mem.putShort(batch, (short) Xen.DOMID_SELF);
        mem.putShort(batch + 2, (short) MemoryOp.XENMAPSPACE_gmfn_foreign);
        mem.putShort(batch + 4, (short) 1);
        mem.putShort(batch + 6, (short) domid);
        mem.putLong(batch + 8, idx);
        mem.putLong(batch + 16, gpfn);
        mem.putLong(batch + 24, err);
        mem.putLong(idx, START_INFO_PFN);
        mem.putLong(gpfn, slot);
        mem.putInt(err, 0);
        try {
            long rc = gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap_batch, batch);
            check(rc, "map start_info");
            int e = mem.getInt(err);
            if (e != 0) {
                throw new DomainBuildException("map start_info: " + XenErrors.name(e), -e);
            }
            long si = slot << Xen.PAGE_SHIFT;
            byte[] page = new byte[Host.StartInfoWriter.LENGTH];
            org.agrona.concurrent.UnsafeBuffer b = new org.agrona.concurrent.UnsafeBuffer(page);
            Host.StartInfoWriter.write(b, nrPages, (long) SHARED_INFO_PFN << Xen.PAGE_SHIFT, 0,
                STORE_PFN, storePort, CONSOLE_PFN, consolePort, cmdline);
            mem.putBytes(si, page, 0, page.length);
        } finally {
            long rm = s + 3072;
            mem.setMemory(rm, 16, (byte) 0);
            mem.putShort(rm, (short) Xen.DOMID_SELF);
            mem.putLong(rm + 8, slot);
            gate.call(Hypercalls.__HYPERVISOR_memory_op, MemoryOp.XENMEM_remove_from_physmap, rm);
            dom0.pages().freeSlots(slot, 1);
        }
    }

    private void nameKernel(long s, int domid, DomainSpec spec) throws DomainBuildException {
        byte[] cls = spec.kernelClass().getBytes(StandardCharsets.UTF_8);
        byte[] path = spec.classPath() == null ? new byte[0] : spec.classPath().getBytes(StandardCharsets.UTF_8);
        if (cls.length > DomusDomctl.DOMUS_KERNEL_CLASS_MAX) {
            throw new DomainBuildException("kernel class name longer than " + DomusDomctl.DOMUS_KERNEL_CLASS_MAX
                + " bytes", XenErrno.XEN_EINVAL);
        }
        if (path.length > DomusDomctl.DOMUS_CLASSPATH_MAX) {
            throw new DomainBuildException("kernel class path longer than " + DomusDomctl.DOMUS_CLASSPATH_MAX
                + " bytes", XenErrno.XEN_EINVAL);
        }
        long clsAt = s + 2L * Xen.PAGE_SIZE;
        long errAt = clsAt + DomusDomctl.DOMUS_KERNEL_CLASS_MAX;
        long pathAt = s + 3L * Xen.PAGE_SIZE;
        mem.putBytes(clsAt, cls, 0, cls.length);
        mem.putBytes(pathAt, path, 0, path.length);
        long u = s + 16;
        mem.setMemory(s, 144, (byte) 0);
        mem.putInt(s, DomusDomctl.XEN_DOMCTL_domus_kernel);
        mem.putInt(s + 4, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        mem.putShort(s + 8, (short) domid);
        mem.putLong(u + DomusDomctl.START_INFO_GPFN_OFFSET, START_INFO_PFN);
        mem.putLong(u + DomusDomctl.SHARED_INFO_GPFN_OFFSET, SHARED_INFO_PFN);
        mem.putLong(u + DomusDomctl.KERNEL_CLASS_OFFSET, clsAt);
        mem.putInt(u + DomusDomctl.KERNEL_CLASS_LEN_OFFSET, cls.length);
        mem.putInt(u + DomusDomctl.CLASSPATH_LEN_OFFSET, path.length);
        mem.putLong(u + DomusDomctl.CLASSPATH_OFFSET, pathAt);
        mem.putInt(u + DomusDomctl.FLAGS_OFFSET, spec.resume() ? DomusDomctl.DOMUS_KERNEL_resume : 0);
        mem.putLong(u + DomusDomctl.JAVA_HEAP_OFFSET, spec.javaHeapBytes());
        mem.putInt(u + DomusDomctl.ERROR_LEN_OFFSET, ERROR_CAP);
        mem.putLong(u + DomusDomctl.ERROR_BUF_OFFSET, errAt);
        long rc = gate.call(Hypercalls.__HYPERVISOR_domctl, s);
        if (rc < 0) {
            int len = mem.getInt(u + DomusDomctl.ERROR_LEN_OFFSET);
            String why = "";
            if (rc == -XenErrno.XEN_ENOEXEC && len > 0 && len <= ERROR_CAP) {
                byte[] msg = new byte[len];
                mem.getBytes(errAt, msg, 0, len);
                why = ": " + new String(msg, StandardCharsets.UTF_8);
            }
            throw new DomainBuildException("kernel " + spec.kernelClass() + " refused (" + XenErrors.name(rc) + ")" + why,
                (int) -rc);
        }
    }

    private static void check(long rc, String step) throws DomainBuildException {
        if (rc < 0) {
            throw new DomainBuildException(step + " failed: " + XenErrors.name(rc), (int) -rc);
        }
    }
}
