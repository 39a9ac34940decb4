package dev.domus.hv.boot;

import dev.domus.abi.GuestMemory;
import dev.domus.hv.domain.Physmap;
import dev.domus.hv.mem.DomainMemory;
import dev.domus.hv.mem.GuestMemoryView;
import dev.domus.hv.p2m.P2mType;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The core's {@link Physmap} over package {@code mem}'s {@link DomainMemory}: vCPU views for
 * guest code, and an any-thread view for the hypervisor's own accesses (event bits, async
 * rings) and Dom0's threads.
 */
final class MemPhysmap implements Physmap {

    private final DomainMemory memory;
    private final SharedView shared;
    private final GuestMemoryView[] vcpuViews = new GuestMemoryView[dev.domus.abi.SharedInfo.XEN_LEGACY_MAX_VCPUS];

    private final DomainPagingFile pagingFile;

    MemPhysmap(DomainMemory memory) {
        this(memory, null);
    }

    /** With {@code pagingFile} (may be null): where the pager's page-outs of this domain go. */
    MemPhysmap(DomainMemory memory, DomainPagingFile pagingFile) {
        this.memory = memory;
        this.shared = new SharedView(memory);
        this.pagingFile = pagingFile;
        if (pagingFile != null) {
            memory.setPageStore(pagingFile);
        }
    }

    @Override
    public DomainMemory domainMemory() {
        return memory;
    }

    @Override
    public GuestMemory memory() {
        return shared;
    }

    @Override
    public synchronized GuestMemory vcpuView(int vcpu) {
        if (vcpuViews[vcpu] == null) {
            vcpuViews[vcpu] = memory.newView(vcpu);
        }
        return vcpuViews[vcpu];
    }

    @Override
    public void abortWaits() {
        memory.abortPagerWaits();
    }

    @Override
    public GuestMemoryView threadView() {
        return shared.threadView();
    }

    @Override
    public void quiesce(int vcpu) {
        GuestMemoryView v = vcpuViews[vcpu];
        if (v != null) {
            v.quiesce();
        }
    }

    @Override
    public void offline(int vcpu) {
        GuestMemoryView v = vcpuViews[vcpu];
        if (v != null) {
            v.offline();
        }
    }

    @Override
    public int copyFromGuest(long gpa, MutableDirectBuffer dst, int dstOffset, int length) {
        return memory.copyFromGuest(gpa, dst, dstOffset, length);
    }

    @Override
    public int copyToGuest(long gpa, DirectBuffer src, int srcOffset, int length) {
        return memory.copyToGuest(gpa, src, srcOffset, length);
    }

    @Override
    public int populate(long pfn) {
        return memory.populate(pfn);
    }

    @Override
    public int release(long pfn) {
        return memory.release(pfn);
    }

    @Override
    public long currentPages() {
        return memory.currentReservation();
    }

    @Override
    public long maxPages() {
        return memory.maximumReservation();
    }

    @Override
    public int setMaxPages(long pages) {
        return memory.setMaxPages(pages);
    }

    @Override
    public long maxPfn() {
        return memory.maxPfn();
    }

    @Override
    public int mapForeign(long pfn, Physmap source, long sourcePfn) {
        if (!(source instanceof MemPhysmap m)) {
            return -dev.domus.abi.XenErrno.XEN_EINVAL;
        }
        return memory.mapForeign(pfn, m.memory, sourcePfn, P2mType.p2m_map_foreign);
    }

    @Override
    public int mapForeignReadOnly(long pfn, Physmap source, long sourcePfn) {
        if (!(source instanceof MemPhysmap m)) {
            return -dev.domus.abi.XenErrno.XEN_EINVAL;
        }
        return memory.mapForeign(pfn, m.memory, sourcePfn, P2mType.p2m_map_foreign_ro);
    }

    @Override
    public int unmapForeign(long pfn) {
        return memory.unmapForeign(pfn);
    }

    @Override
    public int enableLogDirty() {
        return memory.logDirtyEnable();
    }

    @Override
    public int disableLogDirty() {
        return memory.logDirtyDisable();
    }

    @Override
    public long peekDirty(byte[] bitmap, long pages, boolean clean) {
        long[] words = new long[memory.logDirtyBitmapWords()];
        long r = clean ? memory.logDirtyClean(words) : memory.logDirtyPeek(words);
        if (r < 0) {
            return r;
        }
        long n = Math.min(Math.min(pages, (long) words.length * 64), (long) bitmap.length * 8);
        // A byte at a time, not a bit (a 1 GiB guest has 262144 PFNs; this runs in a migration's downtime).
        int full = (int) (n >>> 3);
        for (int i = 0; i < full; i++) {
            bitmap[i] |= (byte) (words[i >>> 3] >>> ((i & 7) * 8));
        }
        int rest = (int) (n & 7);
        if (rest != 0) {
            bitmap[full] |= (byte) ((words[full >>> 3] >>> ((full & 7) * 8)) & ((1 << rest) - 1));
        }
        return r;
    }

    @Override
    public void destroy() {
        for (GuestMemoryView v : vcpuViews) {
            if (v != null) {
                v.close();
            }
        }
        memory.destroy();
        if (pagingFile != null) {
            pagingFile.delete();
        }
    }
}
