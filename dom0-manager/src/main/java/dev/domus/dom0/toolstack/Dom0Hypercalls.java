package dev.domus.dom0.toolstack;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import dev.domus.abi.Domctl;
import dev.domus.abi.DomusStats;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.SchedOp;
import dev.domus.abi.Sysctl;
import dev.domus.abi.XenErrno;
import dev.domus.abi.flyweight.DomctlGetDomainInfoFlyweight;
import dev.domus.abi.flyweight.DomctlGetVcpuInfoFlyweight;
import dev.domus.abi.flyweight.DomctlSchedulerOpFlyweight;
import dev.domus.abi.flyweight.DomctlVcpuAffinityFlyweight;
import dev.domus.abi.flyweight.SchedRemoteShutdownFlyweight;
import dev.domus.abi.flyweight.SysctlPhysinfoFlyweight;
import dev.domus.abi.flyweight.SysctlSchedIdFlyweight;
import dev.domus.abi.flyweight.XenDomctlFlyweight;
import dev.domus.abi.flyweight.XenSysctlFlyweight;
import dev.domus.hv.boot.Dom0;

/**
 * Dom0's thin wrappers over domctl, sysctl and sched_op, in the manner of libxc: each call
 * lays Xen's struct out in a scratch page of Dom0's own memory (offsets from the ABI's
 * flyweight constants), makes the hypercall through Dom0's gate, and reads the answer back.
 * Results are Xen's: {@code >= 0} or {@code -XEN_E*}. Calls are serialised on this object
 * (one scratch page).
 */
public final class Dom0Hypercalls implements AutoCloseable {

    private static final int D = XenDomctlFlyweight.U_OFFSET;
    private static final int S = XenSysctlFlyweight.U_OFFSET;
    /** Where bitmaps and buffers a struct points at go, in the same scratch page. */
    private static final int AUX = 1024;
    private static final int AUX_LENGTH = 3072;

    private final Dom0 dom0;
    private final HypercallGate gate;
    private final GuestMemory mem;
    private final long scratch;
    /** Pages for getstats entries, taken on first use. */
    private long statsBuffer;
    private static final int STATS_PAGES = 2;
    private boolean closed;

    public Dom0Hypercalls(Dom0 dom0) {
        this.dom0 = dom0;
        this.gate = dom0.gate();
        this.mem = dom0.memory();
        this.scratch = dom0.pages().allocate(1);
    }

    /** Makes the domctl laid out in the scratch page. */
    private long domctl() {
        return gate.call(Hypercalls.__HYPERVISOR_domctl, scratch);
    }

    private void header(int cmd, int domid) {
        mem.setMemory(scratch, XenDomctlFlyweight.LENGTH, (byte) 0);
        mem.putInt(scratch + XenDomctlFlyweight.CMD_OFFSET, cmd);
        mem.putInt(scratch + XenDomctlFlyweight.INTERFACE_VERSION_OFFSET, Domctl.XEN_DOMCTL_INTERFACE_VERSION);
        mem.putShort(scratch + XenDomctlFlyweight.DOMAIN_OFFSET, (short) domid);
    }

    private long simple(int cmd, int domid) {
        header(cmd, domid);
        return domctl();
    }

    public synchronized long pause(int domid) {
        return simple(Domctl.XEN_DOMCTL_pausedomain, domid);
    }

    public synchronized long unpause(int domid) {
        return simple(Domctl.XEN_DOMCTL_unpausedomain, domid);
    }

    /** XEN_DOMCTL_resumedomain: a suspended domain runs on (its save was cancelled). */
    public synchronized long resume(int domid) {
        return simple(Domctl.XEN_DOMCTL_resumedomain, domid);
    }

    public synchronized long destroy(int domid) {
        return simple(Domctl.XEN_DOMCTL_destroydomain, domid);
    }

    /** XEN_DOMCTL_max_mem: the domain's maximum reservation in KiB. */
    public synchronized long maxMem(int domid, long kb) {
        header(Domctl.XEN_DOMCTL_max_mem, domid);
        mem.putLong(scratch + D, kb);
        return domctl();
    }

    /** XEN_DOMCTL_getdomaininfo, or null when the domain does not exist. */
    public synchronized DomainInfo domainInfo(int domid) {
        header(Domctl.XEN_DOMCTL_getdomaininfo, domid);
        long rc = domctl();
        if (rc < 0) {
            return null;
        }
        long u = scratch + D;
        return new DomainInfo(domid,
                mem.getInt(u + DomctlGetDomainInfoFlyweight.FLAGS_OFFSET),
                mem.getLong(u + DomctlGetDomainInfoFlyweight.TOT_PAGES_OFFSET),
                mem.getLong(u + DomctlGetDomainInfoFlyweight.MAX_PAGES_OFFSET),
                mem.getLong(u + DomctlGetDomainInfoFlyweight.CPU_TIME_OFFSET),
                mem.getInt(u + DomctlGetDomainInfoFlyweight.NR_ONLINE_VCPUS_OFFSET),
                mem.getInt(u + DomctlGetDomainInfoFlyweight.MAX_VCPU_ID_OFFSET));
    }

    /** XEN_DOMCTL_getvcpuinfo for vCPU {@code vcpu}, or null when the domain or the vCPU does not exist. */
    public synchronized VcpuInfo vcpuInfo(int domid, int vcpu) {
        header(Domctl.XEN_DOMCTL_getvcpuinfo, domid);
        long u = scratch + D;
        mem.putInt(u + DomctlGetVcpuInfoFlyweight.VCPU_OFFSET, vcpu);
        if (domctl() < 0) {
            return null;
        }
        return new VcpuInfo(vcpu,
                mem.getByte(u + DomctlGetVcpuInfoFlyweight.ONLINE_OFFSET) != 0,
                mem.getByte(u + DomctlGetVcpuInfoFlyweight.BLOCKED_OFFSET) != 0,
                mem.getByte(u + DomctlGetVcpuInfoFlyweight.RUNNING_OFFSET) != 0,
                mem.getLong(u + DomctlGetVcpuInfoFlyweight.CPU_TIME_OFFSET),
                mem.getInt(u + DomctlGetVcpuInfoFlyweight.CPU_OFFSET));
    }

    /**
     * {@code XEN_DOMCTL_domus_getstats} and getdomaininfo's shr_pages/paged_pages for
     * {@code domid}, or null when the domain does not exist.
     */
    public synchronized DomainCounters domainCounters(int domid) {
        header(Domctl.XEN_DOMCTL_getdomaininfo, domid);
        if (domctl() < 0) {
            return null;
        }
        long timeNs = System.nanoTime();
        long cpuTimeNs = mem.getLong(scratch + D + DomctlGetDomainInfoFlyweight.CPU_TIME_OFFSET);
        long shared = mem.getLong(scratch + D + DomctlGetDomainInfoFlyweight.SHR_PAGES_OFFSET);
        long paged = mem.getLong(scratch + D + DomctlGetDomainInfoFlyweight.PAGED_PAGES_OFFSET);
        if (statsBuffer == 0) {
            statsBuffer = dom0.pages().allocate(STATS_PAGES);
        }
        int capacity = STATS_PAGES * 4096 / DomusStats.DOMUS_STATS_ENTRY_SIZE;
        header(DomusStats.XEN_DOMCTL_domus_getstats, domid);
        mem.putLong(scratch + D + DomusStats.BUFFER_OFFSET, statsBuffer);
        mem.putInt(scratch + D + DomusStats.NR_ENTRIES_OFFSET, capacity);
        if (domctl() < 0) {
            return null;
        }
        int total = mem.getInt(scratch + D + DomusStats.NR_ENTRIES_OFFSET);
        List<DomainCounters.Entry> entries = new ArrayList<>();
        for (int i = 0; i < Math.min(total, capacity); i++) {
            long e = statsBuffer + (long) i * DomusStats.DOMUS_STATS_ENTRY_SIZE;
            entries.add(new DomainCounters.Entry(mem.getByte(e + DomusStats.ENTRY_OP_OFFSET) & 0xff,
                    mem.getByte(e + DomusStats.ENTRY_SUBOP_OFFSET) & 0xff,
                    mem.getShort(e + DomusStats.ENTRY_XEN_ERRNO_OFFSET) & 0xffff,
                    mem.getInt(e + DomusStats.ENTRY_KIND_OFFSET), mem.getLong(e + DomusStats.ENTRY_COUNT_OFFSET)));
        }
        long[] runstate = new long[4];
        for (int i = 0; i < 4; i++) {
            runstate[i] = mem.getLong(scratch + D + DomusStats.RUNSTATE_TIME_OFFSET + 8L * i);
        }
        return new DomainCounters(domid, timeNs, cpuTimeNs, runstate, mem.getLong(scratch + D + DomusStats.EVENTS_RECEIVED_OFFSET),
                shared, paged, entries, total > capacity);
    }

    /** XEN_DOMCTL_setvcpuaffinity (hard) to {@code cpus}; {@code nrBits} is the host's pCPU count. */
    public synchronized long setVcpuAffinity(int domid, int vcpu, BitSet cpus, int nrBits) {
        header(Domctl.XEN_DOMCTL_setvcpuaffinity, domid);
        long u = scratch + D;
        long map = scratch + AUX;
        byte[] bits = cpus.toByteArray();
        int bytes = (nrBits + 7) / 8;
        if (bytes > AUX_LENGTH) {
            return -XenErrno.XEN_EINVAL;
        }
        mem.setMemory(map, bytes, (byte) 0);
        mem.putBytes(map, bits, 0, Math.min(bits.length, bytes));
        mem.putInt(u + DomctlVcpuAffinityFlyweight.VCPU_OFFSET, vcpu);
        mem.putInt(u + DomctlVcpuAffinityFlyweight.FLAGS_OFFSET, Domctl.XEN_VCPUAFFINITY_HARD);
        mem.putLong(u + DomctlVcpuAffinityFlyweight.CPUMAP_HARD_BITMAP_OFFSET, map);
        mem.putInt(u + DomctlVcpuAffinityFlyweight.CPUMAP_HARD_NR_BITS_OFFSET, nrBits);
        return domctl();
    }

    /** XEN_DOMCTL_scheduler_op putinfo for credit/credit2 (weight, cap) or RTDS (period, budget in µs). */
    public synchronized long putSchedParams(int domid, int schedId, int a, int b) {
        header(Domctl.XEN_DOMCTL_scheduler_op, domid);
        long u = scratch + D;
        mem.putInt(u + DomctlSchedulerOpFlyweight.SCHED_ID_OFFSET, schedId);
        mem.putInt(u + DomctlSchedulerOpFlyweight.CMD_OFFSET, Domctl.XEN_DOMCTL_SCHEDOP_putinfo);
        if (schedId == Domctl.XEN_SCHEDULER_RTDS) {
            mem.putInt(u + DomctlSchedulerOpFlyweight.U_RTDS_PERIOD_OFFSET, a);
            mem.putInt(u + DomctlSchedulerOpFlyweight.U_RTDS_BUDGET_OFFSET, b);
        } else {
            mem.putShort(u + DomctlSchedulerOpFlyweight.U_CREDIT2_WEIGHT_OFFSET, (short) a);
            mem.putShort(u + DomctlSchedulerOpFlyweight.U_CREDIT2_CAP_OFFSET, (short) b);
        }
        return domctl();
    }

    /**
     * XEN_DOMCTL_scheduler_op getinfo: {weight, cap} or {period, budget}; null with the error
     * in {@code err[0]} on failure.
     */
    public synchronized int[] getSchedParams(int domid, int schedId, long[] err) {
        header(Domctl.XEN_DOMCTL_scheduler_op, domid);
        long u = scratch + D;
        mem.putInt(u + DomctlSchedulerOpFlyweight.SCHED_ID_OFFSET, schedId);
        mem.putInt(u + DomctlSchedulerOpFlyweight.CMD_OFFSET, Domctl.XEN_DOMCTL_SCHEDOP_getinfo);
        long rc = domctl();
        if (rc < 0) {
            err[0] = rc;
            return null;
        }
        if (schedId == Domctl.XEN_SCHEDULER_RTDS) {
            return new int[] {mem.getInt(u + DomctlSchedulerOpFlyweight.U_RTDS_PERIOD_OFFSET),
                    mem.getInt(u + DomctlSchedulerOpFlyweight.U_RTDS_BUDGET_OFFSET)};
        }
        return new int[] {mem.getShort(u + DomctlSchedulerOpFlyweight.U_CREDIT2_WEIGHT_OFFSET) & 0xffff,
                mem.getShort(u + DomctlSchedulerOpFlyweight.U_CREDIT2_CAP_OFFSET) & 0xffff};
    }

    /** SCHEDOP_remote_shutdown (privileged): puts the domain in the shutdown state with {@code reason}. */
    public synchronized long remoteShutdown(int domid, int reason) {
        mem.setMemory(scratch, SchedRemoteShutdownFlyweight.LENGTH, (byte) 0);
        mem.putShort(scratch + SchedRemoteShutdownFlyweight.DOMAIN_ID_OFFSET, (short) domid);
        mem.putInt(scratch + SchedRemoteShutdownFlyweight.REASON_OFFSET, reason);
        return gate.call(Hypercalls.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_remote_shutdown, scratch);
    }

    private long sysctl(int cmd) {
        mem.setMemory(scratch, XenSysctlFlyweight.LENGTH, (byte) 0);
        mem.putInt(scratch + XenSysctlFlyweight.CMD_OFFSET, cmd);
        mem.putInt(scratch + XenSysctlFlyweight.INTERFACE_VERSION_OFFSET, Sysctl.XEN_SYSCTL_INTERFACE_VERSION);
        return gate.call(Hypercalls.__HYPERVISOR_sysctl, scratch);
    }

    /** XEN_SYSCTL_physinfo: {nr_cpus, total_pages, free_pages}, or null on error. */
    public synchronized long[] physinfo() {
        if (sysctl(Sysctl.XEN_SYSCTL_physinfo) < 0) {
            return null;
        }
        long u = scratch + S;
        return new long[] {mem.getInt(u + SysctlPhysinfoFlyweight.NR_CPUS_OFFSET),
                mem.getLong(u + SysctlPhysinfoFlyweight.TOTAL_PAGES_OFFSET),
                mem.getLong(u + SysctlPhysinfoFlyweight.FREE_PAGES_OFFSET)};
    }

    /** XEN_SYSCTL_sched_id: the host's XEN_SCHEDULER_* id, or a negated error. */
    public synchronized long schedId() {
        long rc = sysctl(Sysctl.XEN_SYSCTL_sched_id);
        return rc < 0 ? rc : mem.getInt(scratch + S + SysctlSchedIdFlyweight.SCHED_ID_OFFSET);
    }

    /**
     * XEN_SYSCTL_readconsole: moves up to {@code dst.length} bytes of the host console ring
     * into {@code dst}; returns the count or a negated error.
     */
    public synchronized int readConsole(byte[] dst) {
        int want = Math.min(dst.length, AUX_LENGTH);
        mem.setMemory(scratch, XenSysctlFlyweight.LENGTH, (byte) 0);
        mem.putInt(scratch + XenSysctlFlyweight.CMD_OFFSET, Sysctl.XEN_SYSCTL_readconsole);
        mem.putInt(scratch + XenSysctlFlyweight.INTERFACE_VERSION_OFFSET, Sysctl.XEN_SYSCTL_INTERFACE_VERSION);
        // struct xen_sysctl_readconsole: clear(u8) incremental(u8) pad index(u32) buffer(handle) count(u32)
        mem.putLong(scratch + S + 8, scratch + AUX);
        mem.putInt(scratch + S + 16, want);
        long rc = gate.call(Hypercalls.__HYPERVISOR_sysctl, scratch);
        if (rc < 0) {
            return (int) rc;
        }
        int got = mem.getInt(scratch + S + 16);
        mem.getBytes(scratch + AUX, dst, 0, got);
        return got;
    }

    /** GNTTABOP_query_size for Dom0 itself: 0, or {@code -XEN_ENOSYS} on a hypervisor without grant tables. */
    public synchronized long grantQuerySize() {
        mem.setMemory(scratch, 16, (byte) 0);
        mem.putShort(scratch, (short) dev.domus.abi.Xen.DOMID_SELF);
        return gate.call(Hypercalls.__HYPERVISOR_grant_table_op, dev.domus.abi.GrantTableOp.GNTTABOP_query_size,
                scratch, 1);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            dom0.pages().free(scratch, 1);
            if (statsBuffer != 0) {
                dom0.pages().free(statsBuffer, STATS_PAGES);
            }
        }
    }
}
