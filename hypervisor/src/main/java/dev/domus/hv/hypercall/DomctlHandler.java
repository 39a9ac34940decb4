package dev.domus.hv.hypercall;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.Domctl;
import dev.domus.abi.DomusDomctl;
import dev.domus.abi.DomusStats;
import dev.domus.abi.GuestKernel;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.abi.flyweight.DomctlGetVcpuInfoFlyweight;
import dev.domus.hv.Hypervisor;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.KernelLoader;
import dev.domus.hv.domain.Vcpu;
import dev.domus.sched.SchedParams;
import java.util.BitSet;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code __HYPERVISOR_domctl(struct xen_domctl *)} (domctl.h, 144 bytes: cmd @0,
 * interface_version @4, domain @8, union u @16). Dom0 only: everyone else gets
 * {@code -XEN_EPERM}; a wrong interface version {@code -XEN_EACCES}, as on Xen.
 *
 * <p>Commands: createdomain (writes the new domid back into {@code domain}),
 * destroydomain, pausedomain, unpausedomain (the first unpause starts the vCPUs),
 * resumedomain, getdomaininfo (exactly {@code domain}, else {@code -XEN_ESRCH}), getvcpuinfo, max_mem,
 * max_vcpus, scheduler_op (credit/credit2 weight and cap, RTDS period and budget in
 * microseconds), setvcpuaffinity / getvcpuaffinity, shadow_op (log-dirty off, enable,
 * clean, peek), getpageframeinfo3 (see {@link #pageFrameInfo}), and the Domus extensions
 * {@link DomusDomctl#XEN_DOMCTL_domus_kernel} and
 * {@link DomusStats#XEN_DOMCTL_domus_getstats}.
 */
final class DomctlHandler implements HypercallHandler {

    static final int LENGTH = 144;
    private static final int A = CallContext.ARG_OFFSET;
    private static final int U = A + 16;
    private static final int MAX_BITMAP_BYTES = 512;

    private final Hypervisor hv;

    DomctlHandler(Hypervisor hv) {
        this.hv = hv;
    }

    @Override
    public long handle(CallContext ctx, long arg, long a2, long a3, long a4, long a5) {
        if (!ctx.privileged()) {
            return -XenErrno.XEN_EPERM;
        }
        UnsafeBuffer b = ctx.buffer();
        int rc = ctx.copyIn(arg, A, LENGTH);
        if (rc < 0) {
            return rc;
        }
        ctx.lastArg = arg;
        int cmd = b.getInt(A, LITTLE_ENDIAN);
        int version = b.getInt(A + 4, LITTLE_ENDIAN);
        int domid = b.getShort(A + 8, LITTLE_ENDIAN) & 0xffff;
        if (version != Domctl.XEN_DOMCTL_INTERFACE_VERSION) {
            return -XenErrno.XEN_EACCES;
        }
        if (cmd == Domctl.XEN_DOMCTL_createdomain) {
            return create(ctx, arg, domid);
        }
        Domain d = hv.domains().get(domid == Xen.DOMID_SELF ? ctx.domain().domid() : domid);
        if (d == null) {
            return -XenErrno.XEN_ESRCH;
        }
        switch (cmd) {
            case Domctl.XEN_DOMCTL_destroydomain:
                if (d.isPrivileged()) {
                    return -XenErrno.XEN_EINVAL;
                }
                return d.destroy(Hypervisor.DESTROY_JOIN_MILLIS);
            case Domctl.XEN_DOMCTL_pausedomain:
                return d.isPrivileged() ? -XenErrno.XEN_EINVAL : d.pause();
            case Domctl.XEN_DOMCTL_unpausedomain:
                return d.isPrivileged() ? -XenErrno.XEN_EINVAL : d.unpause();
            case Domctl.XEN_DOMCTL_resumedomain:
                return d.resumeFromSuspend();
            case Domctl.XEN_DOMCTL_getdomaininfo:
                DomainInfo.fill(d, b, U);
                return ctx.copyOut(arg + 16, U, DomainInfo.LENGTH);
            case Domctl.XEN_DOMCTL_max_mem: {
                long kb = b.getLong(U, LITTLE_ENDIAN);
                if (kb < 0 || kb / 4 > Integer.MAX_VALUE - 8) {
                    return -XenErrno.XEN_EINVAL;
                }
                return d.physmap().setMaxPages(kb / (Xen.PAGE_SIZE / 1024));
            }
            case Domctl.XEN_DOMCTL_max_vcpus:
                return d.setMaxVcpus(b.getInt(U, LITTLE_ENDIAN));
            case Domctl.XEN_DOMCTL_scheduler_op:
                return schedulerOp(ctx, arg, d);
            case Domctl.XEN_DOMCTL_getvcpuinfo:
                return vcpuInfo(ctx, arg, d);
            case Domctl.XEN_DOMCTL_setvcpuaffinity:
            case Domctl.XEN_DOMCTL_getvcpuaffinity:
                return affinity(ctx, arg, d, cmd == Domctl.XEN_DOMCTL_setvcpuaffinity);
            case Domctl.XEN_DOMCTL_shadow_op:
                return shadowOp(ctx, arg, d);
            case Domctl.XEN_DOMCTL_getpageframeinfo3:
                return pageFrameInfo(ctx, d);
            case Domctl.XEN_DOMCTL_vm_event_op:
                return vmEventOp(ctx, arg, d);
            case DomusDomctl.XEN_DOMCTL_domus_kernel:
                return kernel(ctx, d);
            case DomusStats.XEN_DOMCTL_domus_getstats:
                return DomainStatsOp.getstats(ctx, arg, d);
            default:
                return -XenErrno.XEN_ENOSYS;
        }
    }

    /**
     * XEN_DOMCTL_vm_event_op ({@code struct xen_domctl_vm_event_op}: op @0, mode @4, u @8),
     * mode XEN_DOMCTL_VM_EVENT_OP_PAGING only (others {@code -XEN_ENOSYS}), on a guest domain
     * ({@code -XEN_EINVAL} for Dom0):
     * <ul>
     *   <li>XEN_VM_EVENT_ENABLE sets up the paging ring (a hypervisor frame Dom0 maps with
     *       {@code XENMEM_acquire_resource}, type {@code XENMEM_resource_domus_vm_event}) and an
     *       unbound event channel port of the domain for Dom0, returned in OUT
     *       {@code u.enable.port}; {@code -XEN_EBUSY} if already enabled, {@code -XEN_ENOMEM}
     *       if no frame or port is free;</li>
     *   <li>XEN_VM_EVENT_DISABLE tears it down ({@code -XEN_EINVAL} if not enabled);</li>
     *   <li>XEN_VM_EVENT_RESUME consumes the responses on the ring (returns how many);</li>
     *   <li>XEN_VM_EVENT_GET_VERSION writes VM_EVENT_INTERFACE_VERSION into OUT {@code u.version}.</li>
     * </ul>
     */
    private long vmEventOp(CallContext ctx, long arg, Domain d) {
        UnsafeBuffer b = ctx.buffer();
        int op = b.getInt(U, LITTLE_ENDIAN);
        int mode = b.getInt(U + 4, LITTLE_ENDIAN);
        if (op == Domctl.XEN_VM_EVENT_GET_VERSION) {
            b.putInt(U + 8, dev.domus.abi.VmEvent.VM_EVENT_INTERFACE_VERSION, LITTLE_ENDIAN);
            return ctx.copyOut(arg + 24, U + 8, 4);
        }
        if (mode != Domctl.XEN_DOMCTL_VM_EVENT_OP_PAGING) {
            return -XenErrno.XEN_ENOSYS;
        }
        dev.domus.hv.mem.DomainMemory dm = d.physmap().domainMemory();
        if (d.isPrivileged() || dm == null) {
            return -XenErrno.XEN_EINVAL;
        }
        switch (op) {
            case Domctl.XEN_VM_EVENT_ENABLE: {
                if (dm.pager() != null) {
                    return -XenErrno.XEN_EBUSY;
                }
                int port = d.events().allocUnbound(0);
                if (port < 0) {
                    return port;
                }
                dev.domus.hv.evtchn.EventChannels ev = d.events();
                dev.domus.hv.mem.PagingRing ring = dm.enablePager(port, () -> ev.send(port), d.vcpuCount());
                if (ring == null) {
                    ev.close(port);
                    return dm.pager() != null ? -XenErrno.XEN_EBUSY
                        : dm.isDying() ? -XenErrno.XEN_ESRCH : -XenErrno.XEN_ENOMEM;
                }
                b.putInt(U + 8, port, LITTLE_ENDIAN);
                return ctx.copyOut(arg + 24, U + 8, 4);
            }
            case Domctl.XEN_VM_EVENT_DISABLE:
                return dm.disablePager();
            case Domctl.XEN_VM_EVENT_RESUME: {
                dev.domus.hv.mem.PagingRing ring = dm.pager();
                return ring == null ? -XenErrno.XEN_EINVAL : ring.resume();
            }
            default:
                return -XenErrno.XEN_EINVAL;
        }
    }

    /** struct xen_domctl_createdomain: ssidref @0, handle @4, flags @20, max_vcpus @28, max_evtchn_port @32. */
    private long create(CallContext ctx, long arg, int requested) {
        UnsafeBuffer b = ctx.buffer();
        int ssidref = b.getInt(U, LITTLE_ENDIAN);
        int flags = b.getInt(U + 20, LITTLE_ENDIAN);
        int maxVcpus = b.getInt(U + 28, LITTLE_ENDIAN);
        int maxEvtchnPort = b.getInt(U + 32, LITTLE_ENDIAN);
        if ((flags & (Domctl.XEN_DOMCTL_CDF_hvm | Domctl.XEN_DOMCTL_CDF_hap)) != 0) {
            return -XenErrno.XEN_EINVAL; // Domus runs PV domains only
        }
        if (maxVcpus < 1 || maxVcpus > dev.domus.abi.SharedInfo.XEN_LEGACY_MAX_VCPUS) {
            return -XenErrno.XEN_EINVAL;
        }
        if (maxEvtchnPort < 0 || maxEvtchnPort >= dev.domus.abi.EventChannelOp.EVTCHN_2L_NR_CHANNELS) {
            return -XenErrno.XEN_EINVAL;
        }
        if (requested >= Xen.DOMID_FIRST_RESERVED) {
            requested = 0;
        } else if (requested != 0 && hv.domains().get(requested) != null) {
            return -XenErrno.XEN_EEXIST;
        }
        Domain d = hv.createDomain(requested, false, 0, 0);
        if (d == null) {
            return requested != 0 ? -XenErrno.XEN_EEXIST : -XenErrno.XEN_ENOMEM;
        }
        d.ssidref(ssidref);
        byte[] handle = new byte[16];
        b.getBytes(U + 4, handle);
        d.handle(handle);
        if (maxEvtchnPort > 0) {
            d.setMaxPorts(maxEvtchnPort + 1);
        }
        d.setMaxVcpus(maxVcpus);
        b.putShort(A + 8, (short) d.domid(), LITTLE_ENDIAN);
        int rc = ctx.copyOut(arg + 8, A + 8, 2);
        if (rc < 0) {
            d.destroy(Hypervisor.DESTROY_JOIN_MILLIS);
            return rc;
        }
        return 0;
    }

    /** struct xen_domctl_scheduler_op: sched_id @0, cmd @4, u @8 (credit/credit2: weight u16, cap u16; rtds: period u32, budget u32 in us). */
    private long schedulerOp(CallContext ctx, long arg, Domain d) {
        UnsafeBuffer b = ctx.buffer();
        int schedId = b.getInt(U, LITTLE_ENDIAN);
        int op = b.getInt(U + 4, LITTLE_ENDIAN);
        if (schedId != SchedulerIds.id(hv.tokens().policyName())) {
            return -XenErrno.XEN_EINVAL;
        }
        if (d.vcpuCount() == 0) {
            return -XenErrno.XEN_EINVAL;
        }
        boolean rtds = schedId == Domctl.XEN_SCHEDULER_RTDS;
        switch (op) {
            case Domctl.XEN_DOMCTL_SCHEDOP_putinfo: {
                SchedParams base = params(d.vcpu(0));
                SchedParams p = rtds
                    ? base.withRt(Integer.toUnsignedLong(b.getInt(U + 8, LITTLE_ENDIAN)) * 1000L,
                                  Integer.toUnsignedLong(b.getInt(U + 12, LITTLE_ENDIAN)) * 1000L)
                    : base.withWeight(b.getShort(U + 8, LITTLE_ENDIAN) & 0xffff)
                          .withCap(b.getShort(U + 10, LITTLE_ENDIAN) & 0xffff);
                // Validate on every vCPU first, so a refusal changes nothing.
                for (int i = 0; i < d.vcpuCount(); i++) {
                    SchedParams old = params(d.vcpu(i));
                    SchedParams merged = rtds ? old.withRt(p.periodNs(), p.budgetNs())
                        : old.withWeight(p.weight()).withCap(p.cap());
                    try {
                        hv.tokens().adjust(d.vcpu(i), merged);
                    } catch (IllegalArgumentException bad) {
                        for (int j = 0; j < i; j++) {
                            hv.tokens().adjust(d.vcpu(j), old);
                        }
                        return -XenErrno.XEN_EINVAL;
                    }
                }
                return 0;
            }
            case Domctl.XEN_DOMCTL_SCHEDOP_getinfo: {
                SchedParams p = params(d.vcpu(0));
                b.setMemory(U + 8, 16, (byte) 0);
                if (rtds) {
                    b.putInt(U + 8, (int) (p.periodNs() / 1000), LITTLE_ENDIAN);
                    b.putInt(U + 12, (int) (p.budgetNs() / 1000), LITTLE_ENDIAN);
                } else {
                    b.putShort(U + 8, (short) p.weight(), LITTLE_ENDIAN);
                    b.putShort(U + 10, (short) p.cap(), LITTLE_ENDIAN);
                }
                return ctx.copyOut(arg + 16 + 8, U + 8, 16);
            }
            default:
                return -XenErrno.XEN_EINVAL;
        }
    }

    /**
     * struct xen_domctl_getvcpuinfo: vcpu (IN); online, blocked, running, cpu_time, cpu
     * (OUT). {@code -XEN_ESRCH} for a vCPU the domain does not have, as Xen.
     */
    private long vcpuInfo(CallContext ctx, long arg, Domain d) {
        UnsafeBuffer b = ctx.buffer();
        Vcpu v = d.vcpu(b.getInt(U + DomctlGetVcpuInfoFlyweight.VCPU_OFFSET, LITTLE_ENDIAN));
        if (v == null) {
            return -XenErrno.XEN_ESRCH;
        }
        int pcpu = v.currentPcpu();
        int from = DomctlGetVcpuInfoFlyweight.ONLINE_OFFSET;
        b.setMemory(U + from, DomctlGetVcpuInfoFlyweight.LENGTH - from, (byte) 0);
        b.putByte(U + DomctlGetVcpuInfoFlyweight.ONLINE_OFFSET, (byte) (v.isOnline() ? 1 : 0));
        b.putByte(U + DomctlGetVcpuInfoFlyweight.BLOCKED_OFFSET, (byte) (v.isBlocked() ? 1 : 0));
        b.putByte(U + DomctlGetVcpuInfoFlyweight.RUNNING_OFFSET, (byte) (pcpu >= 0 ? 1 : 0));
        b.putLong(U + DomctlGetVcpuInfoFlyweight.CPU_TIME_OFFSET, v.isOnline() ? v.cpuTime() : v.cpuTimeNs(), LITTLE_ENDIAN);
        b.putInt(U + DomctlGetVcpuInfoFlyweight.CPU_OFFSET, Math.max(pcpu, 0), LITTLE_ENDIAN);
        return ctx.copyOut(arg + 16 + from, U + from, DomctlGetVcpuInfoFlyweight.LENGTH - from);
    }

    private SchedParams params(Vcpu v) {
        try {
            return hv.tokens().params(v);
        } catch (IllegalArgumentException notInserted) {
            return SchedParams.defaults();
        }
    }

    /** struct xen_domctl_vcpuaffinity: vcpu @0, flags @4, cpumap_hard {bitmap @8, nr_bits @16}, cpumap_soft {@24, @32}. */
    private long affinity(CallContext ctx, long arg, Domain d, boolean set) {
        UnsafeBuffer b = ctx.buffer();
        int vcpu = b.getInt(U, LITTLE_ENDIAN);
        int flags = b.getInt(U + 4, LITTLE_ENDIAN);
        Vcpu v = d.vcpu(vcpu);
        if (v == null) {
            return -XenErrno.XEN_EINVAL;
        }
        if ((flags & (Domctl.XEN_VCPUAFFINITY_HARD | Domctl.XEN_VCPUAFFINITY_SOFT)) == 0) {
            return -XenErrno.XEN_EINVAL;
        }
        SchedParams p = params(v);
        if (set) {
            SchedParams q = p;
            if ((flags & Domctl.XEN_VCPUAFFINITY_HARD) != 0) {
                BitSet hard = readBitmap(ctx, b.getLong(U + 8, LITTLE_ENDIAN), b.getInt(U + 16, LITTLE_ENDIAN));
                if (hard == null) {
                    return -XenErrno.XEN_EFAULT;
                }
                q = q.withHardAffinity(hard);
            }
            if ((flags & Domctl.XEN_VCPUAFFINITY_SOFT) != 0) {
                BitSet soft = readBitmap(ctx, b.getLong(U + 24, LITTLE_ENDIAN), b.getInt(U + 32, LITTLE_ENDIAN));
                if (soft == null) {
                    return -XenErrno.XEN_EFAULT;
                }
                q = q.withSoftAffinity(soft);
            }
            try {
                hv.tokens().adjust(v, q);
            } catch (IllegalArgumentException bad) {
                return -XenErrno.XEN_EINVAL;
            }
            return 0;
        }
        if ((flags & Domctl.XEN_VCPUAFFINITY_HARD) != 0) {
            int rc = writeBitmap(ctx, b.getLong(U + 8, LITTLE_ENDIAN), b.getInt(U + 16, LITTLE_ENDIAN), p.hardAffinity());
            if (rc < 0) {
                return rc;
            }
        }
        if ((flags & Domctl.XEN_VCPUAFFINITY_SOFT) != 0) {
            return writeBitmap(ctx, b.getLong(U + 24, LITTLE_ENDIAN), b.getInt(U + 32, LITTLE_ENDIAN), p.softAffinity());
        }
        return 0;
    }

    private BitSet readBitmap(CallContext ctx, long gpa, int nrBits) {
        int bytes = (int) Math.min(MAX_BITMAP_BYTES, (Integer.toUnsignedLong(nrBits) + 7) / 8);
        if (ctx.copyIn(gpa, CallContext.BULK_OFFSET, bytes) < 0) {
            return null;
        }
        byte[] raw = new byte[bytes];
        ctx.buffer().getBytes(CallContext.BULK_OFFSET, raw);
        return BitSet.valueOf(raw);
    }

    private int writeBitmap(CallContext ctx, long gpa, int nrBits, BitSet bits) {
        int bytes = (int) Math.min(MAX_BITMAP_BYTES, (Integer.toUnsignedLong(nrBits) + 7) / 8);
        ctx.buffer().setMemory(CallContext.BULK_OFFSET, bytes, (byte) 0);
        if (bits == null) {
            for (int p = 0; p < Math.min(hv.tokens().pcpus(), bytes * 8); p++) {
                int o = CallContext.BULK_OFFSET + p / 8;
                ctx.buffer().putByte(o, (byte) (ctx.buffer().getByte(o) | (1 << (p % 8))));
            }
        } else {
            byte[] raw = bits.toByteArray();
            ctx.buffer().putBytes(CallContext.BULK_OFFSET, raw, 0, Math.min(raw.length, bytes));
        }
        return ctx.copyOut(gpa, CallContext.BULK_OFFSET, bytes);
    }

    /** struct xen_domctl_shadow_op: op @0, mode @4, mb @8, dirty_bitmap @16, pages @24, stats {fault_count @32, dirty_count @36}. */
    private long shadowOp(CallContext ctx, long arg, Domain d) {
        UnsafeBuffer b = ctx.buffer();
        int op = b.getInt(U, LITTLE_ENDIAN);
        int mode = b.getInt(U + 4, LITTLE_ENDIAN);
        switch (op) {
            case Domctl.XEN_DOMCTL_SHADOW_OP_OFF:
                return d.physmap().disableLogDirty();
            case Domctl.XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY:
                return d.physmap().enableLogDirty();
            case Domctl.XEN_DOMCTL_SHADOW_OP_ENABLE:
                if ((mode & Domctl.XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY) == 0) {
                    return -XenErrno.XEN_EINVAL;
                }
                return d.physmap().enableLogDirty();
            case Domctl.XEN_DOMCTL_SHADOW_OP_CLEAN:
            case Domctl.XEN_DOMCTL_SHADOW_OP_PEEK: {
                long bitmapGpa = b.getLong(U + 16, LITTLE_ENDIAN);
                long pages = b.getLong(U + 24, LITTLE_ENDIAN);
                if (pages < 0 || pages > d.physmap().maxPfn() + 64) {
                    pages = Math.max(0, Math.min(pages, d.physmap().maxPfn()));
                }
                pages = Math.min(pages, d.physmap().maxPfn());
                byte[] bitmap = new byte[(int) ((pages + 7) / 8)];
                long dirty = d.physmap().peekDirty(bitmap, pages, op == Domctl.XEN_DOMCTL_SHADOW_OP_CLEAN);
                if (dirty < 0) {
                    return dirty;
                }
                if (bitmapGpa != 0 && bitmap.length > 0) {
                    int rc = d.domid() >= 0 ? ctx.domain().physmap().copyToGuest(bitmapGpa,
                        new UnsafeBuffer(bitmap), 0, bitmap.length) : 0;
                    if (rc < 0) {
                        return rc;
                    }
                }
                b.putLong(U + 24, pages, LITTLE_ENDIAN);
                b.putInt(U + 32, 0, LITTLE_ENDIAN);
                b.putInt(U + 36, (int) Math.min(Integer.MAX_VALUE, dirty), LITTLE_ENDIAN);
                return ctx.copyOut(arg + 16 + 24, U + 24, 16);
            }
            default:
                return -XenErrno.XEN_EINVAL;
        }
    }

    /**
     * XEN_DOMCTL_getpageframeinfo3 ({@code struct xen_domctl_getpageframeinfo3}: num @0,
     * array @8): IN the array holds {@code num} PFNs; OUT each becomes its type:
     * {@code XEN_DOMCTL_PFINFO_XTAB} for a PFN with no RAM (never populated, ballooned, a
     * foreign mapping), {@code XEN_DOMCTL_PFINFO_NOTAB} for RAM (auto-translated guests have no
     * page-table types), and, a Domus addition, the P2M type ({@code P2mType}: rw, logdirty,
     * shared, paging_out, paged_out, ...) in bits 32-39, which Dom0's sharing scanner and pager
     * use to skip shared and paged-out pages without touching them.
     */
    private long pageFrameInfo(CallContext ctx, Domain d) {
        UnsafeBuffer b = ctx.buffer();
        long num = b.getLong(U, LITTLE_ENDIAN);
        long array = b.getLong(U + 8, LITTLE_ENDIAN);
        if (num < 0 || num > 1024) {
            return -XenErrno.XEN_EINVAL;
        }
        dev.domus.hv.mem.DomainMemory dm = d.physmap().domainMemory();
        if (dm == null) {
            return -XenErrno.XEN_EOPNOTSUPP;
        }
        int batch = CallContext.BULK_LENGTH / 8;
        for (long done = 0; done < num; ) {
            int n = (int) Math.min(batch, num - done);
            int off = CallContext.BULK_OFFSET;
            if (ctx.copyIn(array + done * 8, off, n * 8) < 0) {
                return -XenErrno.XEN_EFAULT;
            }
            for (int i = 0; i < n; i++) {
                long pfn = b.getLong(off + i * 8, LITTLE_ENDIAN);
                int t = dm.typeOf(pfn);
                long info = dev.domus.hv.p2m.P2mType.isRam(t) ? Domctl.XEN_DOMCTL_PFINFO_NOTAB
                    : Domctl.XEN_DOMCTL_PFINFO_XTAB & 0xffffffffL;
                b.putLong(off + i * 8, info | ((long) t << 32), LITTLE_ENDIAN);
            }
            if (ctx.copyOut(array + done * 8, off, n * 8) < 0) {
                return -XenErrno.XEN_EFAULT;
            }
            done += n;
        }
        return 0;
    }

    /** Writes the refusal message into Dom0's error_buf and its length into error_len. */
    private static void reportError(CallContext ctx, String message) {
        UnsafeBuffer b = ctx.buffer();
        long errBuf = b.getLong(U + DomusDomctl.ERROR_BUF_OFFSET, LITTLE_ENDIAN);
        int errCap = b.getInt(U + DomusDomctl.ERROR_LEN_OFFSET, LITTLE_ENDIAN);
        if (errBuf == 0 || errCap <= 0) {
            return;
        }
        byte[] msg = String.valueOf(message).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int n = Math.min(Math.min(errCap, msg.length), CallContext.BULK_LENGTH);
        b.putBytes(CallContext.BULK_OFFSET, msg, 0, n);
        if (ctx.copyOut(errBuf, CallContext.BULK_OFFSET, n) == 0) {
            b.putInt(U + DomusDomctl.ERROR_LEN_OFFSET, n, LITTLE_ENDIAN);
            ctx.copyOut(ctx.lastArg + 16 + DomusDomctl.ERROR_LEN_OFFSET, U + DomusDomctl.ERROR_LEN_OFFSET, 4);
        }
    }

    /** The Domus kernel extension (see {@link DomusDomctl}). */
    private long kernel(CallContext ctx, Domain d) {
        UnsafeBuffer b = ctx.buffer();
        long startInfoPfn = b.getLong(U + DomusDomctl.START_INFO_GPFN_OFFSET, LITTLE_ENDIAN);
        long sharedInfoPfn = b.getLong(U + DomusDomctl.SHARED_INFO_GPFN_OFFSET, LITTLE_ENDIAN);
        long classGpa = b.getLong(U + DomusDomctl.KERNEL_CLASS_OFFSET, LITTLE_ENDIAN);
        int classLen = b.getInt(U + DomusDomctl.KERNEL_CLASS_LEN_OFFSET, LITTLE_ENDIAN);
        int pathLen = b.getInt(U + DomusDomctl.CLASSPATH_LEN_OFFSET, LITTLE_ENDIAN);
        long pathGpa = b.getLong(U + DomusDomctl.CLASSPATH_OFFSET, LITTLE_ENDIAN);
        int flags = b.getInt(U + DomusDomctl.FLAGS_OFFSET, LITTLE_ENDIAN);
        if (classLen < 1 || classLen > DomusDomctl.DOMUS_KERNEL_CLASS_MAX
            || pathLen < 0 || pathLen > DomusDomctl.DOMUS_CLASSPATH_MAX) {
            return -XenErrno.XEN_EINVAL;
        }
        long maxPfn = d.physmap().maxPfn();
        if (startInfoPfn < 0 || startInfoPfn >= maxPfn || sharedInfoPfn < 0 || sharedInfoPfn >= maxPfn
            || startInfoPfn == sharedInfoPfn) {
            return -XenErrno.XEN_EINVAL;
        }
        if (d.vcpuCount() == 0) {
            return -XenErrno.XEN_EINVAL;
        }
        if (ctx.copyIn(classGpa, CallContext.BULK_OFFSET, classLen) < 0) {
            return -XenErrno.XEN_EFAULT;
        }
        String className = b.getStringWithoutLengthUtf8(CallContext.BULK_OFFSET, classLen);
        String classPath = "";
        if (pathLen > 0) {
            if (ctx.copyIn(pathGpa, CallContext.BULK_OFFSET, pathLen) < 0) {
                return -XenErrno.XEN_EFAULT;
            }
            classPath = b.getStringWithoutLengthUtf8(CallContext.BULK_OFFSET, pathLen);
        }
        long javaHeap = b.getLong(U + DomusDomctl.JAVA_HEAP_OFFSET, LITTLE_ENDIAN);
        if (javaHeap < 0) {
            return -XenErrno.XEN_EINVAL;
        }
        if (javaHeap > 0) {
            int rc = d.setJavaHeap(javaHeap); // the guest loader's quota; before any vCPU runs
            if (rc < 0) {
                return rc;
            }
        }
        GuestKernel k;
        try {
            k = hv.kernels().load(d.domid(), className, classPath);
        } catch (KernelLoader.KernelLoadException e) {
            reportError(ctx, e.getMessage());
            return -XenErrno.XEN_ENOEXEC;
        }
        return d.setKernel(k, className, startInfoPfn << Xen.PAGE_SHIFT, sharedInfoPfn << Xen.PAGE_SHIFT,
            (flags & DomusDomctl.DOMUS_KERNEL_resume) != 0);
    }

}
