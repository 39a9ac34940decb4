package dev.domus.sdk;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.GuestMemoryFault;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A complete {@link GuestMemory} over a heap byte array, for the SDK's pure-memory unit tests
 * (heap, map, log, rings), which need memory but no hypervisor. Bounds-checked like the real
 * one (an access outside raises {@link GuestMemoryFault}); atomics through VarHandles. The
 * end-to-end tests run the SDK on the real hypervisor's memory instead.
 */
public final class ArrayGuestMemory implements GuestMemory {

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] bytes;

    public ArrayGuestMemory(int size) {
        this.bytes = new byte[size];
    }

    /** A copy of the whole memory, as a save image would hold it. */
    public byte[] snapshot() {
        return bytes.clone();
    }

    /** A new memory holding {@code image}: what a restore produces. */
    public static ArrayGuestMemory restore(byte[] image) {
        ArrayGuestMemory m = new ArrayGuestMemory(image.length);
        System.arraycopy(image, 0, m.bytes, 0, image.length);
        return m;
    }

    private int at(long address, long length) {
        if (address < 0 || length < 0 || address + length > bytes.length) {
            throw new GuestMemoryFault(address, "outside guest memory of " + bytes.length + " bytes");
        }
        return (int) address;
    }

    @Override public long size() { return bytes.length; }
    @Override public byte getByte(long a) { return bytes[at(a, 1)]; }
    @Override public void putByte(long a, byte v) { bytes[at(a, 1)] = v; }
    @Override public short getShort(long a) { return (short) SHORT.get(bytes, at(a, 2)); }
    @Override public void putShort(long a, short v) { SHORT.set(bytes, at(a, 2), v); }
    @Override public int getInt(long a) { return (int) INT.get(bytes, at(a, 4)); }
    @Override public void putInt(long a, int v) { INT.set(bytes, at(a, 4), v); }
    @Override public long getLong(long a) { return (long) LONG.get(bytes, at(a, 8)); }
    @Override public void putLong(long a, long v) { LONG.set(bytes, at(a, 8), v); }
    @Override public void getBytes(long a, byte[] dst, int off, int len) { System.arraycopy(bytes, at(a, len), dst, off, len); }
    @Override public void putBytes(long a, byte[] src, int off, int len) { System.arraycopy(src, off, bytes, at(a, len), len); }
    @Override public void setMemory(long a, long len, byte v) { int s = at(a, len); Arrays.fill(bytes, s, s + (int) len, v); }
    @Override public void copy(long src, long dst, long len) { System.arraycopy(bytes, at(src, len), bytes, at(dst, len), (int) len); }
    @Override public int getIntVolatile(long a) { return (int) INT.getVolatile(bytes, at(a, 4)); }
    @Override public void putIntVolatile(long a, int v) { INT.setVolatile(bytes, at(a, 4), v); }
    @Override public void putIntOrdered(long a, int v) { INT.setRelease(bytes, at(a, 4), v); }
    @Override public long getLongVolatile(long a) { return (long) LONG.getVolatile(bytes, at(a, 8)); }
    @Override public void putLongVolatile(long a, long v) { LONG.setVolatile(bytes, at(a, 8), v); }
    @Override public boolean compareAndSetInt(long a, int e, int v) { return INT.compareAndSet(bytes, at(a, 4), e, v); }
    @Override public boolean compareAndSetLong(long a, long e, long v) { return LONG.compareAndSet(bytes, at(a, 8), e, v); }
    @Override public long getAndAddLong(long a, long d) { return (long) LONG.getAndAdd(bytes, at(a, 8), d); }
}
