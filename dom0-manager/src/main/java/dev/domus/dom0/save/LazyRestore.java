package dev.domus.dom0.save;

import static dev.domus.dom0.save.ImageFormat.PAGE_ABSENT;
import static dev.domus.dom0.save.ImageFormat.PAGE_DATA_PFN_MASK;
import static dev.domus.dom0.save.ImageFormat.PAGE_NORMAL;
import static dev.domus.dom0.save.ImageFormat.PAGE_TYPE_MASK;
import static dev.domus.dom0.save.ImageFormat.PAGE_ZERO;
import static dev.domus.dom0.save.ImageFormat.RECORD_HEADER;
import static dev.domus.dom0.save.ImageFormat.RECORD_TRAILER;

import dev.domus.abi.Domctl;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.XenErrno;
import dev.domus.abi.flyweight.VmEventFlyweight;
import dev.domus.dom0.xenstore.ring.Dom0CallException;
import dev.domus.dom0.xenstore.ring.Dom0Calls;
import dev.domus.hv.boot.Dom0;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;

/**
 * A lazy restore's pager in Dom0 ({@code domus restore FILE --lazy}), in the model of Xen's
 * xenpaging, reaching the hypervisor only by hypercall.
 *
 * <p>{@link #prepare} runs on a freshly built, paused domain whose RAM PFNs are empty
 * ({@code DomainBuilder.buildWithoutRam}): it enables the domain's VM event paging ring
 * ({@code XEN_DOMCTL_vm_event_op}), maps the ring page ({@code XENMEM_acquire_resource}),
 * binds its event channel, and marks every page the image holds (normal and zero pages)
 * paged with Dom0 holding the content ({@code XENMEM_paging_op_domus_populate_paged}); absent
 * (ballooned) PFNs stay unpopulated. The caller then unpauses the domain: it runs before any
 * page is read.
 *
 * <p>{@link #start} starts two threads. The <b>ring server</b> answers the guest's touches:
 * for each request it reads the page from the image (the page's PAGE_DATA record's CRC32C is
 * checked once, on its first use), fills it with {@code XENMEM_paging_op_prep}, puts a response
 * on the ring and resumes the hypervisor ({@code XEN_VM_EVENT_RESUME}). The <b>reader</b>
 * streams the rest in image order, each record checked, with the same prep (a page already in
 * answers {@code -XEN_ENOENT} and is skipped). When the reader is done every page is in; the
 * ring is torn down and {@link Listener#loaded} reports. A corrupt record (or a page the image
 * cannot give) calls {@link Listener#failed} with the cause, once; the caller destroys the
 * domain. {@link #close} stops both threads without waiting for them (they may be the caller).
 */
public final class LazyRestore implements AutoCloseable {

    /** Hears how a lazy restore ends. Called on one of its threads. */
    public interface Listener {
        /** Every page is in. */
        void loaded(LazyRestore restore);

        /** The image cannot give the domain its memory; the domain must go. */
        void failed(LazyRestore restore, String cause);
    }

    private static final int PAGE = 4096;

    private final Dom0 dom0;
    private final int domid;
    private final Path image;
    private final PageIndex index;
    private final FileChannel file;
    /** The ring server's own channel: an interrupt that stops it must not close the reader's. */
    private final FileChannel ringFile;
    private final LazyPagerCalls setup;
    private final long ringSlot;
    private final long ring;
    private final int localPort;
    private final BitSet verified = new BitSet();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final CountDownLatch threadsDone = new CountDownLatch(2);
    private volatile boolean stopped;
    private volatile boolean streamed;
    private volatile Thread ringThread;
    private volatile Thread readerThread;
    private volatile long streamedPages;
    private volatile long demandPages;
    private volatile long startNanos;
    private volatile long loadedNanos = -1;
    private volatile String failure;

    private LazyRestore(Dom0 dom0, int domid, Path image, PageIndex index, FileChannel file, FileChannel ringFile,
                        LazyPagerCalls setup, long ringSlot, int localPort) {
        this.dom0 = dom0;
        this.domid = domid;
        this.image = image;
        this.index = index;
        this.file = file;
        this.ringFile = ringFile;
        this.setup = setup;
        this.ringSlot = ringSlot;
        this.ring = ringSlot << 12;
        this.localPort = localPort;
    }

    /**
     * Sets up paging for {@code domid} (built without RAM, paused) and marks the image's pages
     * paged. On failure nothing is left but the domain, which the caller destroys.
     */
    public static LazyRestore prepare(Dom0 dom0, int domid, Path image, PageIndex index, SavedDomainInfo info)
            throws ImageException {
        FileChannel file;
        FileChannel ringFile;
        try {
            file = FileChannel.open(image, StandardOpenOption.READ);
            ringFile = FileChannel.open(image, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ImageException("cannot open " + image + ": " + e.getMessage(), e);
        }
        LazyPagerCalls calls = new LazyPagerCalls(dom0);
        long slot = -1;
        boolean ok = false;
        try {
            long rc = calls.vmEvent(domid, Domctl.XEN_VM_EVENT_ENABLE);
            if (rc < 0) {
                throw new ImageException("enabling the paging ring of domain " + domid + " failed: " + errno(rc));
            }
            int port = calls.enabledPort();
            slot = dom0.pages().allocateSlots(1);
            rc = calls.acquireRing(domid, slot);
            if (rc < 0) {
                dom0.pages().freeSlots(slot, 1);
                slot = -1;
                throw new ImageException("mapping the paging ring of domain " + domid + " failed: " + errno(rc));
            }
            int local;
            try (Dom0Calls evt = new Dom0Calls(dom0)) {
                local = evt.bindInterdomain(domid, port);
            } catch (Dom0CallException e) {
                throw new ImageException("binding the paging ring's event channel failed: " + e.getMessage());
            }
            markPaged(calls, domid, index, info);
            ok = true;
            return new LazyRestore(dom0, domid, image, index, file, ringFile, calls, slot, local);
        } finally {
            if (!ok) {
                if (slot >= 0) {
                    calls.unmap(slot);
                    dom0.pages().freeSlots(slot, 1);
                }
                calls.close();
                closeQuietly(file);
                closeQuietly(ringFile);
            }
        }
    }

    /** Marks each run of PFNs the image holds (normal or zero, not special) paged. */
    private static void markPaged(LazyPagerCalls calls, int domid, PageIndex index, SavedDomainInfo info)
            throws ImageException {
        int n = index.pages();
        int pfn = 0;
        while (pfn < n) {
            while (pfn < n && !held(index, info, pfn)) {
                pfn++;
            }
            int first = pfn;
            while (pfn < n && held(index, info, pfn)) {
                pfn++;
            }
            if (pfn > first) {
                long rc = calls.populatePaged(domid, first, pfn - first);
                if (rc != pfn - first) {
                    throw new ImageException("marking pfns " + first + ".." + (pfn - 1) + " of domain " + domid
                            + " paged failed: " + errno(rc));
                }
            }
        }
    }

    private static boolean held(PageIndex index, SavedDomainInfo info, int pfn) {
        long off = index.offset(pfn);
        return !info.isSpecial(pfn) && off != PageIndex.ABSENT && off != PageIndex.NONE;
    }

    /** Starts the ring server and the background reader; {@code t0} is the restore's start. */
    public void start(long t0, Listener listener) {
        startNanos = t0;
        Thread r = new Thread(() -> serveRing(listener), "domus-lazy-ring-d" + domid);
        Thread s = new Thread(() -> stream(listener), "domus-lazy-reader-d" + domid);
        r.setDaemon(true);
        s.setDaemon(true);
        ringThread = r;
        readerThread = s;
        r.start();
        s.start();
    }

    public int domid() {
        return domid;
    }

    /** Pages the background reader brought in. */
    public long streamedPages() {
        return streamedPages;
    }

    /** Pages brought in because the guest touched them first. */
    public long demandPages() {
        return demandPages;
    }

    /** Nanoseconds from the restore's start until the last page was in, or -1. */
    public long loadedNanos() {
        return loadedNanos;
    }

    /** Why the restore failed, or null. */
    public String failure() {
        return failure;
    }

    // ---------------------------------------------------------------- the background reader

    private void stream(Listener listener) {
        try (LazyPagerCalls calls = new LazyPagerCalls(dom0)) {
            byte[] rec = new byte[0];
            for (int r = 0; r < index.records() && !stopped; r++) {
                int len = index.recordLength(r);
                int total = RECORD_HEADER + ImageFormat.padded(len) + RECORD_TRAILER;
                if (rec.length < total) {
                    rec = new byte[total];
                }
                String bad = readRecord(file, r, rec, total);
                if (bad != null) {
                    fail(listener, bad);
                    return;
                }
                ByteBuffer b = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN);
                int count = b.getInt(RECORD_HEADER);
                int data = RECORD_HEADER + 8 + 8 * count;
                for (int i = 0; i < count && !stopped; i++) {
                    long e = b.getLong(RECORD_HEADER + 8 + 8 * i);
                    long pfn = e & PAGE_DATA_PFN_MASK;
                    long type = e & PAGE_TYPE_MASK;
                    int at = data;
                    if (type == PAGE_NORMAL) {
                        data += PAGE;
                    }
                    if (type == PAGE_ABSENT || index.record(pfn) != r || index.offset(pfn) == PageIndex.NONE) {
                        continue; // nothing to load, or a later copy of the page wins
                    }
                    long rc = type == PAGE_ZERO ? calls.prepZero(domid, pfn) : calls.prep(domid, pfn, rec, at);
                    if (rc == 0) {
                        streamedPages++;
                    } else if (rc == -XenErrno.XEN_ESRCH) {
                        return; // the domain went away: nothing left to load
                    } else if (rc != -XenErrno.XEN_ENOENT) {
                        fail(listener, "loading pfn " + pfn + " into domain " + domid + " failed: " + errno(rc));
                        return;
                    }
                }
            }
            // Decide the outcome before waking the ring server: an interrupt can break a read it
            // is doing, and that must not count as a failure.
            if (!stopped && ended.compareAndSet(false, true)) {
                loadedNanos = System.nanoTime() - startNanos;
                streamed = true;
                Thread t = ringThread;
                if (t != null) {
                    t.interrupt(); // every page is in: the ring server winds up
                }
                listener.loaded(this);
            }
        } catch (RuntimeException e) {
            fail(listener, "the background reader failed: " + e);
        } finally {
            closeQuietly(file);
            threadsDone.countDown();
        }
    }

    /** Reads record {@code r} whole into {@code rec} and checks its CRC32C; null or why not. */
    private String readRecord(FileChannel file, int r, byte[] rec, int total) {
        long at = index.recordAt(r);
        ByteBuffer b = ByteBuffer.wrap(rec, 0, total);
        try {
            while (b.hasRemaining()) {
                if (file.read(b, at + b.position()) < 0) {
                    return image + " is truncated in the PAGE_DATA record at byte " + at;
                }
            }
        } catch (IOException e) {
            return "cannot read " + image + ": " + e.getMessage();
        }
        int len = index.recordLength(r);
        CRC32C crc = new CRC32C();
        crc.update(rec, 0, RECORD_HEADER + len);
        int want = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN).getInt(RECORD_HEADER + ImageFormat.padded(len));
        if ((int) crc.getValue() != want) {
            return "checksum error in the PAGE_DATA record at byte " + at + " of " + image;
        }
        synchronized (verified) {
            verified.set(r);
        }
        return null;
    }

    // ---------------------------------------------------------------- the ring server

    private void serveRing(Listener listener) {
        GuestMemory mem = dom0.memory();
        int reqCons = 0;
        byte[] page = new byte[PAGE];
        byte[] rec = new byte[0];
        try (LazyPagerCalls calls = new LazyPagerCalls(dom0); Dom0Calls evt = new Dom0Calls(dom0)) {
            while (!stopped) {
                evt.testAndClearPending(localPort);
                int prod = mem.getIntVolatile(ring + VmEventFlyweight.SRING_REQ_PROD_OFFSET);
                int answered = 0;
                while (reqCons != prod && !stopped) {
                    long e = ring + VmEventFlyweight.entryOffset(reqCons);
                    long gfn = mem.getLong(e + VmEventFlyweight.MEM_PAGING_GFN_OFFSET);
                    String bad = null;
                    long rc;
                    if (gfn < 0 || gfn >= index.pages() || index.offset(gfn) < 0 && index.offset(gfn) != PageIndex.ZERO) {
                        bad = "the guest touched pfn " + gfn + ", which " + image + " does not hold";
                        rc = 0;
                    } else if (index.offset(gfn) == PageIndex.ZERO) {
                        rc = calls.prepZero(domid, gfn);
                    } else {
                        int r = index.record(gfn);
                        boolean checked;
                        synchronized (verified) {
                            checked = verified.get(r);
                        }
                        if (!checked) {
                            int total = RECORD_HEADER + ImageFormat.padded(index.recordLength(r)) + RECORD_TRAILER;
                            if (rec.length < total) {
                                rec = new byte[total];
                            }
                            bad = readRecord(ringFile, r, rec, total);
                        }
                        rc = bad != null ? 0 : readPage(index.offset(gfn), page) ? calls.prep(domid, gfn, page, 0) : 1;
                        if (rc == 1) {
                            bad = image + " is truncated in the data of pfn " + gfn;
                        }
                    }
                    if (rc == 0 && bad == null) {
                        demandPages++;
                    } else if (rc == -XenErrno.XEN_ESRCH) {
                        return;
                    } else if (rc < 0 && rc != -XenErrno.XEN_ENOENT) {
                        bad = "loading pfn " + gfn + " into domain " + domid + " failed: " + errno(rc);
                    }
                    // The response: the request's slot, its vCPU to be unpaused. Without a prep
                    // before it (bad), the hypervisor fails the page and the vCPU faults.
                    mem.putInt(e + VmEventFlyweight.FLAGS_OFFSET, dev.domus.abi.VmEvent.VM_EVENT_FLAG_VCPU_PAUSED);
                    reqCons++;
                    mem.putIntVolatile(ring + VmEventFlyweight.SRING_RSP_PROD_OFFSET, reqCons);
                    answered++;
                    if (bad != null) {
                        calls.vmEvent(domid, Domctl.XEN_VM_EVENT_RESUME);
                        fail(listener, bad);
                        return;
                    }
                }
                if (answered > 0) {
                    calls.vmEvent(domid, Domctl.XEN_VM_EVENT_RESUME);
                }
                if (streamed) {
                    break; // every page is in: no request can come any more
                }
                evt.poll(localPort); // returns when a request arrives (or the reader interrupts)
            }
        } catch (RuntimeException e) {
            if (!stopped) {
                fail(listener, "the ring server failed: " + e);
            }
        } finally {
            Thread.interrupted(); // the reader's wake-up may still be pending
            teardownRing();
            threadsDone.countDown();
        }
    }

    private boolean readPage(long offset, byte[] page) {
        ByteBuffer b = ByteBuffer.wrap(page);
        try {
            while (b.hasRemaining()) {
                if (ringFile.read(b, offset + b.position()) < 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Disables the ring, unmaps its page and closes the port (errors ignored: the domain may be gone). */
    private void teardownRing() {
        try {
            setup.vmEvent(domid, Domctl.XEN_VM_EVENT_DISABLE);
            setup.unmap(ringSlot);
            dom0.pages().freeSlots(ringSlot, 1);
            try (Dom0Calls evt = new Dom0Calls(dom0)) {
                evt.closePort(localPort);
            }
        } catch (RuntimeException e) {
            // Dom0 is going down with its host
        } finally {
            setup.close();
            closeQuietly(ringFile);
        }
    }

    /** The first end wins: a failure after the restore ended (or was closed) is only the stop's echo. */
    private void fail(Listener listener, String cause) {
        if (!ended.compareAndSet(false, true)) {
            stopped = true;
            return;
        }
        failure = cause;
        stopped = true;
        Thread t = ringThread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
        }
        listener.failed(this, cause);
    }

    /** Stops both threads (without waiting: they may be the caller). Idempotent. */
    @Override
    public void close() {
        stopped = true;
        ended.set(true);
        Thread t = ringThread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
        }
    }

    /** Waits until both threads ended (after {@link #close} or the end of the restore). */
    public boolean awaitThreads(long timeout, TimeUnit unit) throws InterruptedException {
        return ringThread == null || threadsDone.await(timeout, unit);
    }

    private static String errno(long rc) {
        if (rc >= 0) {
            return Long.toString(rc);
        }
        for (java.lang.reflect.Field f : XenErrno.class.getFields()) {
            try {
                if (f.getType() == int.class && f.getInt(null) == -rc) {
                    return "-" + f.getName();
                }
            } catch (IllegalAccessException e) {
                break;
            }
        }
        return Long.toString(rc);
    }

    private static void closeQuietly(FileChannel f) {
        try {
            f.close();
        } catch (IOException ignored) {
            // read-only
        }
    }
}
