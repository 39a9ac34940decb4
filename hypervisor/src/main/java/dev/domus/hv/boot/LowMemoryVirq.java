package dev.domus.hv.boot;

import dev.domus.abi.Virq;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainTable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Raises {@code VIRQ_ENOMEM} to Dom0 when the frame allocator runs low (Xen's low_mem_virq).
 * The allocator signals under its own lock, the innermost one, while raising a VIRQ may touch
 * Dom0's shared_info (and so Dom0's memory lock): so the allocator only sets a flag and
 * unparks this thread, which raises the VIRQ with no lock held.
 */
final class LowMemoryVirq implements Runnable, AutoCloseable {

    private final DomainTable domains;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean closed;

    LowMemoryVirq(DomainTable domains) {
        this.domains = domains;
        this.thread = new Thread(this::loop, "hv-low-memory-virq");
        thread.setDaemon(true);
        thread.start();
    }

    /** The allocator's hook: lock-free, allocation-free. */
    @Override
    public void run() {
        if (!pending.getAndSet(true)) {
            LockSupport.unpark(thread);
        }
    }

    private void loop() {
        while (!closed) {
            if (pending.getAndSet(false)) {
                Domain dom0 = domains.get(0);
                if (dom0 != null) {
                    dom0.raiseVirq(Virq.VIRQ_ENOMEM);
                }
            } else {
                LockSupport.park(this);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
