package dev.domus.hv.hypercall;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.Sysctl;
import dev.domus.abi.XenErrno;
import dev.domus.hv.Hypervisor;
import dev.domus.hv.domain.Domain;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code __HYPERVISOR_sysctl(struct xen_sysctl *)} (sysctl.h, 136 bytes: cmd @0,
 * interface_version @4, union u @8). Dom0 only ({@code -XEN_EPERM} otherwise); a wrong
 * interface version is {@code -XEN_EACCES}.
 *
 * <ul>
 *   <li>physinfo: threads_per_core @0, cores_per_socket @4, nr_cpus @8, max_cpu_id @12,
 *       nr_nodes @16, max_node_id @20, cpu_khz @24, total_pages @40, free_pages @48,
 *       max_mfn @72.</li>
 *   <li>sched_id: sched_id @0.</li>
 *   <li>getdomaininfolist: first_domain @0, max_domains @4, buffer @8 (an array of
 *       xen_domctl_getdomaininfo), num_domains @16 OUT.</li>
 *   <li>readconsole: clear @0, incremental @1, index @4, buffer @8, count @16 IN/OUT: reads
 *       the host console ring (guests' console_io output, "(dN) "-prefixed).</li>
 * </ul>
 */
final class SysctlHandler implements HypercallHandler {

    static final int LENGTH = 136;
    private static final int A = CallContext.ARG_OFFSET;
    private static final int U = A + 8;

    private final Hypervisor hv;

    SysctlHandler(Hypervisor hv) {
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
        int cmd = b.getInt(A, LITTLE_ENDIAN);
        if (b.getInt(A + 4, LITTLE_ENDIAN) != Sysctl.XEN_SYSCTL_INTERFACE_VERSION) {
            return -XenErrno.XEN_EACCES;
        }
        switch (cmd) {
            case Sysctl.XEN_SYSCTL_physinfo: {
                b.setMemory(U, 112, (byte) 0);
                int pcpus = hv.tokens().pcpus();
                b.putInt(U, 1, LITTLE_ENDIAN);
                b.putInt(U + 4, pcpus, LITTLE_ENDIAN);
                b.putInt(U + 8, pcpus, LITTLE_ENDIAN);
                b.putInt(U + 12, pcpus - 1, LITTLE_ENDIAN);
                b.putInt(U + 16, 1, LITTLE_ENDIAN);
                b.putInt(U + 20, 0, LITTLE_ENDIAN);
                b.putLong(U + 40, hv.memory().totalFrames(), LITTLE_ENDIAN);
                b.putLong(U + 48, hv.memory().freeFrames(), LITTLE_ENDIAN);
                b.putLong(U + 72, hv.memory().totalFrames() - 1, LITTLE_ENDIAN);
                return ctx.copyOut(arg + 8, U, 112);
            }
            case Sysctl.XEN_SYSCTL_sched_id:
                b.putInt(U, SchedulerIds.id(hv.tokens().policyName()), LITTLE_ENDIAN);
                return ctx.copyOut(arg + 8, U, 4);
            case Sysctl.XEN_SYSCTL_getdomaininfolist: {
                int first = b.getShort(U, LITTLE_ENDIAN) & 0xffff;
                int max = b.getInt(U + 4, LITTLE_ENDIAN);
                long buffer = b.getLong(U + 8, LITTLE_ENDIAN);
                if (max < 0) {
                    return -XenErrno.XEN_EINVAL;
                }
                int n = 0;
                for (Domain d : hv.domains().list()) {
                    if (n >= max) {
                        break;
                    }
                    if (d.domid() < first) {
                        continue;
                    }
                    DomainInfo.fill(d, b, CallContext.BULK_OFFSET);
                    rc = ctx.copyOut(buffer + (long) n * DomainInfo.LENGTH, CallContext.BULK_OFFSET, DomainInfo.LENGTH);
                    if (rc < 0) {
                        return rc;
                    }
                    n++;
                }
                b.putInt(U + 16, n, LITTLE_ENDIAN);
                return ctx.copyOut(arg + 8 + 16, U + 16, 4);
            }
            case Sysctl.XEN_SYSCTL_readconsole: {
                long buffer = b.getLong(U + 8, LITTLE_ENDIAN);
                int count = b.getInt(U + 16, LITTLE_ENDIAN);
                if (count < 0) {
                    return -XenErrno.XEN_EINVAL;
                }
                int want = Math.min(count, CallContext.BULK_LENGTH);
                int got = hv.hostConsole().read(b.byteArray(), CallContext.BULK_OFFSET, want);
                rc = ctx.copyOut(buffer, CallContext.BULK_OFFSET, got);
                if (rc < 0) {
                    return rc;
                }
                b.putInt(U + 16, got, LITTLE_ENDIAN);
                return ctx.copyOut(arg + 8 + 16, U + 16, 4);
            }
            default:
                return -XenErrno.XEN_ENOSYS;
        }
    }
}
