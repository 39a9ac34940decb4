package dev.domus.sdk.grant;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;
import dev.domus.sdk.hypercall.Hypervisor;

/**
 * This domain's grant table (v1): granting other domains access to its pages, revoking it,
 * and grant copies.
 *
 * <p>{@code GNTTABOP_setup_table} names the guest frames that hold the {@code grant_entry_v1}
 * array; a grant is written as Xen requires (frame and domid first, then, after a barrier,
 * {@code flags} with {@code GTF_permit_access}). Revoking clears the flags with a
 * compare-and-set that fails while the hypervisor has marked the entry
 * {@code GTF_reading}/{@code GTF_writing} (the page is mapped or being copied): that gives
 * {@code XEN_EBUSY}, as on Xen. References 0..7 are reserved ({@code GNTTAB_NR_RESERVED_ENTRIES}).
 * Free references are kept in Java: after a resume the table is set up afresh and devices
 * re-grant their pages.
 */
public final class GrantTable {

    /** {@code GNTTAB_NR_RESERVED_ENTRIES}: refs below this are the toolstack's. */
    public static final int NR_RESERVED = 8;

    private final Hypervisor hv;
    private final GuestMemory memory;
    private final long[] frames;
    private final int nrEntries;
    private final int[] freeList;
    private int freeCount;
    private final boolean[] inUse;

    /** Sets up a table of {@code nrFrames} frames (GNTTABOP_setup_table). */
    public GrantTable(Hypervisor hv, int nrFrames) {
        this.hv = hv;
        this.memory = hv.memory();
        this.frames = hv.gnttabSetupTable(nrFrames);
        this.nrEntries = nrFrames * (Xen.PAGE_SIZE / GRANT_ENTRY_V1_LENGTH);
        this.freeList = new int[nrEntries];
        this.inUse = new boolean[nrEntries];
        for (int ref = nrEntries - 1; ref >= NR_RESERVED; ref--) {
            freeList[freeCount++] = ref;
        }
    }

    /** Grant references this table can hold. */
    public int capacity() {
        return nrEntries;
    }

    /** Guest frames holding the table, as the hypervisor named them. */
    public long frame(int i) {
        return frames[i];
    }

    public int freeReferences() {
        return freeCount;
    }

    /**
     * Grants {@code domid} access to this domain's page {@code pfn}; returns the grant
     * reference to hand to it (through xenstore, usually).
     */
    public int grantAccess(int domid, long pfn, boolean readOnly) {
        if (freeCount == 0) {
            throw new XenException(XenErrno.XEN_ENOSPC, "grantAccess(dom " + domid + ", pfn " + pfn + ")",
                    "all " + (nrEntries - NR_RESERVED) + " grant references are in use; revoke some first");
        }
        if (pfn < 0 || pfn > 0xffffffffL) {
            throw new XenException(XenErrno.XEN_EINVAL, "grantAccess(pfn " + pfn + ")", "frame out of range");
        }
        int ref = freeList[--freeCount];
        long e = entry(ref);
        memory.putShort(e + GRANT_ENTRY_V1_DOMID_OFFSET, (short) domid);
        memory.putInt(e + GRANT_ENTRY_V1_FRAME_OFFSET, (int) pfn);
        // flags last, ordered after frame and domid (Xen's wmb() before setting GTF_permit_access)
        int flags = GTF_permit_access | (readOnly ? GTF_readonly : 0);
        int word = memory.getIntVolatile(e) & 0xffff0000;
        memory.putIntVolatile(e, word | flags);
        inUse[ref] = true;
        return ref;
    }

    /**
     * Ends access through {@code ref}. Refused with {@code XEN_EBUSY} while the grantee has the
     * page mapped or a copy is in progress; refused with {@code XEN_EINVAL} for a reference
     * this table did not hand out.
     */
    public void revoke(int ref) {
        checkRef(ref, "revoke");
        long e = entry(ref);
        while (true) {
            int word = memory.getIntVolatile(e);
            int flags = word & 0xffff;
            if ((flags & (GTF_reading | GTF_writing)) != 0) {
                throw new XenException(XenErrno.XEN_EBUSY, "revoke(ref " + ref + ")",
                        "the grantee still has the page mapped (GTF_reading/GTF_writing set); unmap it first");
            }
            if (memory.compareAndSetInt(e, word, word & 0xffff0000)) {
                break;
            }
        }
        inUse[ref] = false;
        freeList[freeCount++] = ref;
    }

    /** The GTF_* flags currently in entry {@code ref}. */
    public int flags(int ref) {
        return memory.getShort(entry(ref) + GRANT_ENTRY_V1_FLAGS_OFFSET) & 0xffff;
    }

    /**
     * Copies {@code length} bytes from {@code (domid, ref, offset)} (a page another domain
     * granted us) into our own memory at guest-physical {@code localAddress}. Neither side may
     * cross a page boundary.
     */
    public void copyFromGrant(int domid, int ref, int offset, long localAddress, int length) {
        checkSpan(offset, length, "copyFromGrant");
        checkSpan((int) (localAddress & (Xen.PAGE_SIZE - 1)), length, "copyFromGrant");
        hv.gnttabCopy(ref, domid, offset, localAddress >>> Xen.PAGE_SHIFT, Xen.DOMID_SELF,
                (int) (localAddress & (Xen.PAGE_SIZE - 1)), length, GNTCOPY_source_gref);
    }

    /** Copies {@code length} bytes of our memory at {@code localAddress} into a page granted to us. */
    public void copyToGrant(long localAddress, int domid, int ref, int offset, int length) {
        checkSpan(offset, length, "copyToGrant");
        checkSpan((int) (localAddress & (Xen.PAGE_SIZE - 1)), length, "copyToGrant");
        hv.gnttabCopy(localAddress >>> Xen.PAGE_SHIFT, Xen.DOMID_SELF, (int) (localAddress & (Xen.PAGE_SIZE - 1)),
                ref, domid, offset, length, GNTCOPY_dest_gref);
    }

    /** Maps a page another domain granted us at our guest-physical {@code hostAddress}; returns the handle. */
    public int map(int domid, int ref, long hostAddress, boolean readOnly) {
        return hv.gnttabMap(domid, ref, hostAddress, readOnly);
    }

    public void unmap(long hostAddress, int handle) {
        hv.gnttabUnmap(hostAddress, handle);
    }

    private static void checkSpan(int offset, int length, String what) {
        if (offset < 0 || length < 0 || offset + length > Xen.PAGE_SIZE) {
            throw new XenException(XenErrno.XEN_EINVAL, what + "(offset " + offset + ", " + length + " bytes)",
                    "a grant copy may not cross a page boundary");
        }
    }

    private void checkRef(int ref, String what) {
        if (ref < NR_RESERVED || ref >= nrEntries || !inUse[ref]) {
            throw new XenException(XenErrno.XEN_EINVAL, what + "(ref " + ref + ")", "not a grant reference this domain handed out");
        }
    }

    private long entry(int ref) {
        int perFrame = Xen.PAGE_SIZE / GRANT_ENTRY_V1_LENGTH;
        return (frames[ref / perFrame] << Xen.PAGE_SHIFT) + (long) (ref % perFrame) * GRANT_ENTRY_V1_LENGTH;
    }
}
