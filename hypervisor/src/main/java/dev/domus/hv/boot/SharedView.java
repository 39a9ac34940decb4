package dev.domus.hv.boot;

import dev.domus.abi.GuestMemory;
import dev.domus.hv.mem.DomainMemory;
import dev.domus.hv.mem.GuestMemoryView;

/**
 * A domain's memory usable from any thread: each thread gets its own {@link GuestMemoryView}
 * and takes it offline after every access, so an idle thread never holds back the
 * reclamation of unmapped frames (see {@code DomainMemory}'s concurrency design). Used for
 * the hypervisor's own accesses (event channel bits, async rings) and for Dom0's threads.
 * Slower than a vCPU view (a translation per access), never wrong.
 */
final class SharedView implements GuestMemory {

    /** A thread and its view: immutable, so a racy read of {@link #last} is safe. */
    private static final class Owned {
        final Thread thread;
        final GuestMemoryView view;

        Owned(Thread thread, GuestMemoryView view) {
            this.thread = thread;
            this.view = view;
        }
    }

    private final DomainMemory memory;
    private final ThreadLocal<Owned> views;
    /**
     * The last thread's view: a one-entry cache in front of the ThreadLocal, since most
     * accesses come from the thread that made the previous one. A plain field: another
     * thread's entry (safely published through its final fields) only costs a lookup.
     */
    private Owned last;

    SharedView(DomainMemory memory) {
        this.memory = memory;
        this.views = ThreadLocal.withInitial(() -> new Owned(Thread.currentThread(), memory.newView()));
        this.last = new Owned(null, null);
    }

    /** The calling thread's view (created on its first use). */
    GuestMemoryView threadView() {
        return v();
    }

    private GuestMemoryView v() {
        Owned o = last;
        if (o.thread != Thread.currentThread()) {
            o = views.get();
            last = o;
        }
        return o.view;
    }

    @Override
    public long size() {
        return memory.size();
    }

    @Override
    public byte getByte(long a) {
        GuestMemoryView v = v();
        try {
            return v.getByte(a);
        } finally {
            v.offline();
        }
    }

    @Override
    public void putByte(long a, byte x) {
        GuestMemoryView v = v();
        try {
            v.putByte(a, x);
        } finally {
            v.offline();
        }
    }

    @Override
    public short getShort(long a) {
        GuestMemoryView v = v();
        try {
            return v.getShort(a);
        } finally {
            v.offline();
        }
    }

    @Override
    public void putShort(long a, short x) {
        GuestMemoryView v = v();
        try {
            v.putShort(a, x);
        } finally {
            v.offline();
        }
    }

    @Override
    public int getInt(long a) {
        GuestMemoryView v = v();
        try {
            return v.getInt(a);
        } finally {
            v.offline();
        }
    }

    @Override
    public void putInt(long a, int x) {
        GuestMemoryView v = v();
        try {
            v.putInt(a, x);
        } finally {
            v.offline();
        }
    }

    @Override
    public long getLong(long a) {
        GuestMemoryView v = v();
        try {
            return v.getLong(a);
        } finally {
            v.offline();
        }
    }

    @Override
    public void putLong(long a, long x) {
        GuestMemoryView v = v();
        try {
            v.putLong(a, x);
        } finally {
            v.offline();
        }
    }

    @Override
    public void getBytes(long a, byte[] dst, int off, int len) {
        GuestMemoryView v = v();
        try {
            v.getBytes(a, dst, off, len);
        } finally {
            v.offline();
        }
    }

    @Override
    public void putBytes(long a, byte[] src, int off, int len) {
        GuestMemoryView v = v();
        try {
            v.putBytes(a, src, off, len);
        } finally {
            v.offline();
        }
    }

    @Override
    public void setMemory(long a, long len, byte x) {
        GuestMemoryView v = v();
        try {
            v.setMemory(a, len, x);
        } finally {
            v.offline();
        }
    }

    @Override
    public void copy(long src, long dst, long len) {
        GuestMemoryView v = v();
        try {
            v.copy(src, dst, len);
        } finally {
            v.offline();
        }
    }

    @Override
    public int getIntVolatile(long a) {
        GuestMemoryView v = v();
        try {
            return v.getIntVolatile(a);
        } finally {
            v.offline();
        }
    }

    @Override
    public void putIntVolatile(long a, int x) {
        GuestMemoryView v = v();
        try {
            v.putIntVolatile(a, x);
        } finally {
            v.offline();
        }
    }

    @Override
    public void putIntOrdered(long a, int x) {
        GuestMemoryView v = v();
        try {
            v.putIntOrdered(a, x);
        } finally {
            v.offline();
        }
    }

    @Override
    public long getLongVolatile(long a) {
        GuestMemoryView v = v();
        try {
            return v.getLongVolatile(a);
        } finally {
            v.offline();
        }
    }

    @Override
    public void putLongVolatile(long a, long x) {
        GuestMemoryView v = v();
        try {
            v.putLongVolatile(a, x);
        } finally {
            v.offline();
        }
    }

    @Override
    public boolean compareAndSetInt(long a, int e, int x) {
        GuestMemoryView v = v();
        try {
            return v.compareAndSetInt(a, e, x);
        } finally {
            v.offline();
        }
    }

    @Override
    public boolean compareAndSetLong(long a, long e, long x) {
        GuestMemoryView v = v();
        try {
            return v.compareAndSetLong(a, e, x);
        } finally {
            v.offline();
        }
    }

    @Override
    public long getAndAddLong(long a, long d) {
        GuestMemoryView v = v();
        try {
            return v.getAndAddLong(a, d);
        } finally {
            v.offline();
        }
    }
}
