package dev.domus.dom0.save;

import dev.domus.abi.XenErrno;
import dev.domus.hv.mem.DomainMemory;
import dev.domus.hv.mem.PageStore;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A lazy restore's memory (issue 9, {@code domus restore --lazy}): {@link #prepare} backs a
 * freshly built, paused domain with its save image, every page in the image paged out (the
 * hypervisor pages one in on the guest's first touch, through {@link LazyImageStore}); after
 * the unpause, {@link #start} streams the rest in PFN order on a background thread.
 */
public final class LazyLoader {

    private final DomainMemory memory;
    private final LazyImageStore store;
    private final PageStore inner;
    private volatile long prefetched;
    private final int pages;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile String error;
    private volatile long loadedAt;

    private LazyLoader(DomainMemory memory, LazyImageStore store, PageStore inner, int pages) {
        this.memory = memory;
        this.store = store;
        this.inner = inner;
        this.pages = pages;
    }

    /**
     * Marks every page of {@code index} paged out in {@code memory}, backed by {@code image};
     * absent PFNs are given back through {@code io}. Special frames stay as the build made them.
     */
    public static LazyLoader prepare(Path image, PageIndex index, SavedDomainInfo info, DomainMemory memory,
                                     GuestPageIo io) throws ImageException {
        LazyImageStore store;
        try {
            store = new LazyImageStore(image, index, memory.pageStore()); // the pager's file stays beneath
        } catch (java.io.IOException e) {
            throw new ImageException("cannot open " + image + ": " + e.getMessage(), e);
        }
        PageStore inner = memory.pageStore();
        memory.setPageStore(store);
        try {
            backAll(index, info, memory, io, store);
        } catch (ImageException | RuntimeException e) {
            store.close();
            throw e;
        }
        return new LazyLoader(memory, store, inner, index.pages());
    }

    private static void backAll(PageIndex index, SavedDomainInfo info, DomainMemory memory, GuestPageIo io,
                                LazyImageStore store) throws ImageException {
        PageLoader absent = new PageLoader(io, memory.domid(), info, false);
        for (int pfn = 0; pfn < index.pages(); pfn++) {
            long off = index.offset(pfn);
            if (info.isSpecial(pfn) || off == PageIndex.NONE) {
                continue;
            }
            if (off == PageIndex.ABSENT) {
                absent.page(pfn, ImageFormat.PAGE_ABSENT, null, 0);
                continue;
            }
            store.backed(pfn);
            int rc = memory.markPaged(pfn);
            if (rc < 0) {
                store.discard(memory.domid(), pfn);
                throw new ImageException("backing pfn " + pfn + " of domain " + memory.domid()
                        + " with the image failed: " + rc);
            }
        }
    }

    /** Starts the background reader; {@link #await} tells when it is done. */
    public void start(long t0) {
        Thread t = new Thread(() -> run(t0), "domus-lazy-restore-d" + memory.domid());
        t.setDaemon(true);
        t.start();
    }

    private void run(long t0) {
        try {
            for (long pfn = 0; pfn < pages; pfn++) {
                int rc = memory.pageInNow(pfn);
                if (rc == 1) {
                    prefetched++;
                }
                if (rc == -XenErrno.XEN_ESRCH) {
                    String f = store.failure();
                    error = f != null ? f : "the domain was destroyed before all its pages were loaded";
                    return;
                }
                if (rc < 0) {
                    String f = store.failure();
                    error = f != null ? f : "paging in pfn " + pfn + " failed: " + rc;
                    return;
                }
            }
            if (store.failure() != null) {
                error = store.failure(); // a guest's touch found it first
            }
        } catch (RuntimeException e) {
            error = "the background reader failed: " + e;
        } finally {
            synchronized (memory) {
                if (error == null && store.remaining() == 0) {
                    memory.setPageStore(inner); // every page is in: the pager's store alone again
                }
            }
            store.close();
            loadedAt = System.nanoTime() - t0;
            done.countDown();
        }
    }

    /** Waits for the background reader; null if every page loaded, else why not. */
    public String await(long timeout, TimeUnit unit) throws InterruptedException {
        if (!done.await(timeout, unit)) {
            return "the background reader did not finish within " + unit.toSeconds(timeout) + " s";
        }
        return error;
    }

    /** Closes the image if the restore failed before {@link #start}. */
    public void abort() {
        store.close();
    }

    /** Pages loaded from the image: by the background reader, and on a guest's first touch. */
    public long prefetchedPages() {
        return prefetched;
    }

    public long touchedPages() {
        return store.imageReads() - prefetched;
    }

    /** Nanoseconds from the restore's start until the last page was loaded (after {@link #await}). */
    public long loadedNanos() {
        return loadedAt;
    }
}
