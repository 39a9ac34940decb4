package dev.domus.dom0.save;

import dev.domus.hv.mem.PageStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.zip.CRC32C;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The page store of a lazily restored domain: a PFN marked paged by the restore is read from
 * the save image (where {@link PageIndex} says), any other goes to the domain's own paging
 * store ({@code inner}, may be null), so the hypervisor's one page-in path serves both. A
 * PAGE_DATA record's CRC32C is checked the first time one of its pages is loaded; a mismatch
 * fails that page-in ({@link #failure()} says why). Called under the domain's memory lock.
 */
public final class LazyImageStore implements PageStore, AutoCloseable {

    private static final int PAGE = 4096;
    private final Path image;
    private final PageIndex index;
    private final PageStore inner;
    private final FileChannel file;
    private final BitSet lazy = new BitSet();
    private final BitSet verified = new BitSet();
    private final byte[] page = new byte[PAGE];
    private final CRC32C crc = new CRC32C();
    private ByteBuffer record = ByteBuffer.allocate(0);
    private volatile String failure;
    private volatile long imageReads;

    public LazyImageStore(Path image, PageIndex index, PageStore inner) throws IOException {
        this.image = image;
        this.index = index;
        this.inner = inner;
        this.file = FileChannel.open(image, StandardOpenOption.READ);
    }

    /** From now on {@code pfn}'s content comes from the image (until it is paged in or discarded). */
    public synchronized void backed(long pfn) {
        lazy.set((int) pfn);
    }

    /** Why a page-in from the image failed, or null. */
    public String failure() {
        return failure;
    }

    @Override
    public synchronized void writePage(int domid, long pfn, DirectBuffer src) throws IOException {
        if (inner == null) {
            throw new IOException("no paging file for domain " + domid);
        }
        lazy.clear((int) pfn);
        inner.writePage(domid, pfn, src);
    }

    @Override
    public synchronized void readPage(int domid, long pfn, MutableDirectBuffer dst) throws IOException {
        if (!lazy.get((int) pfn)) {
            if (inner == null) {
                throw new IOException("no paging file for domain " + domid);
            }
            inner.readPage(domid, pfn, dst);
            return;
        }
        long off = index.offset(pfn);
        if (off == PageIndex.ZERO) {
            dst.setMemory(0, PAGE, (byte) 0);
            imageReads++;
            return;
        }
        if (off < 0) {
            throw fail("pfn " + pfn + " is not in " + image);
        }
        verify(index.record(pfn));
        ByteBuffer b = ByteBuffer.wrap(page);
        while (b.hasRemaining()) {
            if (file.read(b, off + b.position()) < 0) {
                throw fail(image + " is truncated in the data of pfn " + pfn);
            }
        }
        dst.putBytes(0, page, 0, PAGE);
        imageReads++;
    }

    /** Checks record {@code r}'s CRC32C once (over its header and body, as the writer made it). */
    private void verify(int r) throws IOException {
        if (verified.get(r)) {
            return;
        }
        int len = index.recordLength(r);
        int total = ImageFormat.RECORD_HEADER + ImageFormat.padded(len) + ImageFormat.RECORD_TRAILER;
        if (record.capacity() < total) {
            record = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        }
        record.clear().limit(total);
        long at = index.recordAt(r);
        while (record.hasRemaining()) {
            if (file.read(record, at + record.position()) < 0) {
                throw fail(image + " is truncated in the PAGE_DATA record at byte " + at);
            }
        }
        crc.reset();
        crc.update(record.array(), 0, ImageFormat.RECORD_HEADER + len);
        int want = record.order(ByteOrder.LITTLE_ENDIAN).getInt(ImageFormat.RECORD_HEADER + ImageFormat.padded(len));
        if ((int) crc.getValue() != want) {
            throw fail("checksum error in the PAGE_DATA record at byte " + at + " of " + image);
        }
        verified.set(r);
    }

    private IOException fail(String why) {
        if (failure == null) {
            failure = why;
        }
        return new IOException(why);
    }

    @Override
    public synchronized void discard(int domid, long pfn) {
        if (lazy.get((int) pfn)) {
            lazy.clear((int) pfn);
        } else if (inner != null) {
            inner.discard(domid, pfn);
        }
    }

    /** Pages loaded from the image so far. */
    public long imageReads() {
        return imageReads;
    }

    /** Pages still only in the image. */
    public synchronized int remaining() {
        return lazy.cardinality();
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
    }
}
