package dev.domus.hv.mem;

import static dev.domus.abi.Xen.PAGE_SIZE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.Long2LongHashMap;

/**
 * A {@link PageStore} in one file of 4 KiB slots; freed slots are reused. Thread-safe.
 */
public final class FilePageStore implements PageStore, AutoCloseable {

    private final FileChannel channel;
    private final Long2LongHashMap slotOf = new Long2LongHashMap(-1);
    private final IntArrayList freeSlots = new IntArrayList();
    private final ByteBuffer bounce = ByteBuffer.allocate(PAGE_SIZE);
    private int nextSlot;

    /** Creates (or truncates) the store file at {@code file}. */
    public FilePageStore(Path file) throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static long key(int domid, long pfn) {
        return ((long) domid << 48) | pfn;
    }

    @Override
    public synchronized void writePage(int domid, long pfn, DirectBuffer page) throws IOException {
        long k = key(domid, pfn);
        long slot = slotOf.get(k);
        if (slot < 0) {
            slot = freeSlots.isEmpty() ? nextSlot++ : freeSlots.removeAt(freeSlots.size() - 1);
            slotOf.put(k, slot);
        }
        bounce.clear();
        page.getBytes(0, bounce, PAGE_SIZE);
        bounce.flip();
        long pos = slot * PAGE_SIZE;
        while (bounce.hasRemaining()) {
            pos += channel.write(bounce, pos);
        }
    }

    @Override
    public synchronized void readPage(int domid, long pfn, MutableDirectBuffer page) throws IOException {
        long slot = slotOf.get(key(domid, pfn));
        if (slot < 0) {
            throw new IOException("no saved page for domain " + domid + " pfn 0x" + Long.toHexString(pfn));
        }
        bounce.clear();
        long pos = slot * PAGE_SIZE;
        while (bounce.hasRemaining()) {
            int n = channel.read(bounce, pos);
            if (n < 0) {
                throw new IOException("page store truncated at slot " + slot);
            }
            pos += n;
        }
        bounce.flip();
        page.putBytes(0, bounce, PAGE_SIZE);
    }

    @Override
    public synchronized void discard(int domid, long pfn) {
        long slot = slotOf.remove(key(domid, pfn));
        if (slot >= 0) {
            freeSlots.addInt((int) slot);
        }
    }

    /** Number of pages currently saved. */
    public synchronized int pages() {
        return slotOf.size();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
