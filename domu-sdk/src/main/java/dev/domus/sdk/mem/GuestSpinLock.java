package dev.domus.sdk.mem;

import dev.domus.abi.GuestMemory;

/**
 * A spin lock on one aligned 32-bit word of guest memory (0 free, 1 held). Guest code may not
 * use {@code synchronized} or threads, and every guest loop is a safepoint, so a waiter simply
 * spins on compare-and-set; the hypervisor preempts it at the end of its slice. Because the
 * word lives in guest memory, the lock survives save/restore with the data it guards (a lock
 * held at suspend is impossible: the SDK suspends only at clean points).
 */
public final class GuestSpinLock {

    private final GuestMemory memory;
    private final long address;

    public GuestSpinLock(GuestMemory memory, long address) {
        if ((address & 3) != 0) {
            throw new IllegalArgumentException("lock word must be 4-byte aligned: 0x" + Long.toHexString(address));
        }
        this.memory = memory;
        this.address = address;
    }

    public void lock() {
        while (!memory.compareAndSetInt(address, 0, 1)) {
            while (memory.getIntVolatile(address) != 0) {
                // spin: a safepoint on the back-edge lets the holder run
            }
        }
    }

    public boolean tryLock() {
        return memory.compareAndSetInt(address, 0, 1);
    }

    public void unlock() {
        memory.putIntVolatile(address, 0);
    }

    /** Clears a lock word left held (used when formatting a structure). */
    public void reset() {
        memory.putIntVolatile(address, 0);
    }
}
