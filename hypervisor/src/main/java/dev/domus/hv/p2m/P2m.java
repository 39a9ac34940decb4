package dev.domus.hv.p2m;

import java.util.Arrays;

/**
 * One domain's physical-to-machine table: guest frame (PFN) to machine frame (MFN) and
 * {@link P2mType}, plus the P2M generation number.
 *
 * <p>An entry is one {@code long}: the MFN in the high bits, the type in the low
 * {@value #TYPE_BITS} bits. The table grows when the domain's maximum is raised.
 *
 * <p><b>Generation.</b> {@link #generation()} is bumped (under the owner's lock) on every change
 * that revokes or moves a mapping: a frame removed, a write permission withdrawn, a frame
 * replaced. Per-vCPU translation caches compare it on every access (one volatile read) and drop
 * their entries when it moved. Changes that only widen access (populate, logdirty to rw) need no
 * bump: a stale cache entry then merely takes the slow path once more.
 *
 * <p>Thread safety: entries are read and written only under the owning
 * {@code DomainMemory}'s lock; only {@link #generation()} is read without it.
 */
public final class P2m {

    static final int TYPE_BITS = 4;
    private static final long TYPE_MASK = (1L << TYPE_BITS) - 1;

    private long[] entries;
    /** Entries per type (kept by set/setType, so counts cost nothing to read). */
    private final long[] typeCounts = new long[1 << TYPE_BITS];
    private volatile long capacity;
    private volatile long generation = 1;

    /** A table for PFNs {@code 0 .. maxPfn-1}, all {@code p2m_invalid}. */
    public P2m(long maxPfn) {
        if (maxPfn < 0 || maxPfn > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("max PFN out of range: " + maxPfn);
        }
        entries = new long[(int) maxPfn];
        capacity = maxPfn;
        typeCounts[P2mType.p2m_invalid] = maxPfn;
    }

    /** Number of PFNs the table covers. */
    public long maxPfn() {
        return capacity;
    }

    /** Extends the table to {@code maxPfn} entries (never shrinks). */
    public void grow(long maxPfn) {
        if (maxPfn > entries.length) {
            if (maxPfn > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("max PFN out of range: " + maxPfn);
            }
            typeCounts[P2mType.p2m_invalid] += maxPfn - entries.length;
            entries = Arrays.copyOf(entries, (int) maxPfn);
            capacity = maxPfn;
        }
    }

    /** True if {@code pfn} is inside the table. */
    public boolean inRange(long pfn) {
        return pfn >= 0 && pfn < entries.length;
    }

    /** Type of the entry at {@code pfn} ({@code p2m_invalid} outside the table). */
    public int type(long pfn) {
        return inRange(pfn) ? (int) (entries[(int) pfn] & TYPE_MASK) : P2mType.p2m_invalid;
    }

    /** MFN of the entry at {@code pfn}; meaningful only if its type has a frame. */
    public long mfn(long pfn) {
        return entries[(int) pfn] >>> TYPE_BITS;
    }

    /** Sets the entry at {@code pfn}; the caller bumps the generation if this revokes access. */
    public void set(long pfn, long mfn, int type) {
        typeCounts[(int) (entries[(int) pfn] & TYPE_MASK)]--;
        typeCounts[type]++;
        entries[(int) pfn] = (mfn << TYPE_BITS) | type;
    }

    /** Changes only the type of the entry at {@code pfn}. */
    public void setType(long pfn, int type) {
        typeCounts[(int) (entries[(int) pfn] & TYPE_MASK)]--;
        typeCounts[type]++;
        entries[(int) pfn] = (entries[(int) pfn] & ~TYPE_MASK) | type;
    }

    /** Number of entries of {@code type} (read under the owner's lock, like the entries). */
    public long count(int type) {
        return type >= 0 && type < typeCounts.length ? typeCounts[type] : 0;
    }

    /** The current generation (a volatile read). */
    public long generation() {
        return generation;
    }

    /** Advances the generation after a revoking change and returns the new value. */
    public long bump() {
        long g = generation + 1;
        generation = g;
        return g;
    }
}
