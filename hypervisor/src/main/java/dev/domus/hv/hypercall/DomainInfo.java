package dev.domus.hv.hypercall;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.Domctl;
import dev.domus.abi.Xen;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainState;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Fills a {@code struct xen_domctl_getdomaininfo} (112 bytes; offsets checked with gcc
 * against domctl.h): domain @0, flags @4, tot_pages @8, max_pages @16, outstanding_pages
 * @24, shr_pages @32, paged_pages @40, shared_info_frame @48, cpu_time @56,
 * nr_online_vcpus @64, max_vcpu_id @68, ssidref @72, handle @76, cpupool @92.
 */
final class DomainInfo {

    static final int LENGTH = 112;

    private DomainInfo() {
    }

    static void fill(Domain d, UnsafeBuffer b, int o) {
        b.setMemory(o, LENGTH, (byte) 0);
        int flags = 0;
        DomainState s = d.state();
        if (s == DomainState.DYING) {
            flags |= Domctl.XEN_DOMINF_dying;
        }
        if (s == DomainState.SHUTDOWN) {
            flags |= Domctl.XEN_DOMINF_shutdown
                | ((d.shutdownReason() & Domctl.XEN_DOMINF_shutdownmask) << Domctl.XEN_DOMINF_shutdownshift);
        }
        if (s == DomainState.CREATED || d.pauseCount() > 0) {
            flags |= Domctl.XEN_DOMINF_paused;
        }
        if (d.allBlocked()) {
            flags |= Domctl.XEN_DOMINF_blocked;
        }
        if (d.anyRunning()) {
            flags |= Domctl.XEN_DOMINF_running;
        }
        int online = 0;
        for (int i = 0; i < d.vcpuCount(); i++) {
            if (d.vcpu(i).isOnline()) {
                online++;
            }
        }
        b.putShort(o, (short) d.domid(), LITTLE_ENDIAN);
        b.putInt(o + 4, flags, LITTLE_ENDIAN);
        b.putLong(o + 8, d.physmap().currentPages(), LITTLE_ENDIAN);
        b.putLong(o + 16, d.physmap().maxPages(), LITTLE_ENDIAN);
        dev.domus.hv.mem.DomainMemory dm = d.physmap().domainMemory();
        if (dm != null) {
            b.putLong(o + 32, dm.sharedPages(), LITTLE_ENDIAN);
            b.putLong(o + 40, dm.pagedPages(), LITTLE_ENDIAN);
        }
        long si = d.sharedInfoAddress();
        b.putLong(o + 48, si < 0 ? 0 : si >>> Xen.PAGE_SHIFT, LITTLE_ENDIAN);
        b.putLong(o + 56, d.cpuTime(), LITTLE_ENDIAN);
        b.putInt(o + 64, online, LITTLE_ENDIAN);
        b.putInt(o + 68, Math.max(0, d.vcpuCount() - 1), LITTLE_ENDIAN);
        b.putInt(o + 72, d.ssidref(), LITTLE_ENDIAN);
        b.putBytes(o + 76, d.handle());
    }
}
