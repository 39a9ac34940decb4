package dev.domus.hv.mem;

import java.io.IOException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Where paged-out guest frames live (the pager's backing store): {@link DomainMemory#evictPage}
 * writes a frame here, and any later access to the guest frame reads it back before the access
 * proceeds. Implementations are called under the domain's memory lock, one page at a time.
 */
public interface PageStore {

    /** Saves the 4096 bytes of {@code page} as guest frame {@code pfn} of {@code domid}. */
    void writePage(int domid, long pfn, DirectBuffer page) throws IOException;

    /** Reads guest frame {@code pfn} of {@code domid} back into {@code page} (4096 bytes). */
    void readPage(int domid, long pfn, MutableDirectBuffer page) throws IOException;

    /** Forgets the saved copy (after page-in, balloon release or domain destroy). */
    void discard(int domid, long pfn);
}
