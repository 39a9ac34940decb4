package dev.domus.hv.boot;

import dev.domus.hv.mem.FilePageStore;
import dev.domus.hv.mem.PageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One domain's paging file ({@code dom<ID>.paging} in the host's paging directory), opened
 * on the first page-out, so a domain that is never paged costs no file; closed and deleted
 * when the domain is destroyed. Called under the domain's memory lock (see {@link PageStore}).
 */
final class DomainPagingFile implements PageStore {

    private final Path file;
    private FilePageStore store;
    private boolean closed;

    DomainPagingFile(Path file) {
        this.file = file;
    }

    /** Where the pages go. */
    Path file() {
        return file;
    }

    @Override
    public synchronized void writePage(int domid, long pfn, DirectBuffer page) throws IOException {
        if (closed) {
            throw new IOException("paging file of domain " + domid + " is closed");
        }
        if (store == null) {
            Files.createDirectories(file.getParent());
            store = new FilePageStore(file);
        }
        store.writePage(domid, pfn, page);
    }

    @Override
    public synchronized void readPage(int domid, long pfn, MutableDirectBuffer page) throws IOException {
        if (store == null) {
            throw new IOException("no paging file for domain " + domid);
        }
        store.readPage(domid, pfn, page);
    }

    @Override
    public synchronized void discard(int domid, long pfn) {
        if (store != null) {
            store.discard(domid, pfn);
        }
    }

    /** Closes and deletes the file (the domain is gone, and so are its paged-out pages). */
    synchronized void delete() {
        closed = true;
        try {
            if (store != null) {
                store.close();
            }
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the directory is the host's; a leftover file is replaced by the next domain with this id
        }
        store = null;
    }
}
