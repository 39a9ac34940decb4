package dev.domus.abi;

/**
 * A domain's view of its own guest-physical memory: what a PV kernel sees as RAM.
 *
 * <p>Addresses are guest-physical byte addresses ({@code pfn << PAGE_SHIFT | offset}).
 * Every access is checked against the domain's P2M: an address the domain does not own
 * (outside its memory, or a ballooned-out frame) raises {@link GuestMemoryFault}, the
 * equivalent of a page fault a PV guest cannot recover from. Values are little-endian, as
 * on x86_64.
 *
 * <p>Accesses never straddle silently: a multi-byte access that crosses a page boundary is
 * split by the implementation, since adjacent guest pages need not be adjacent frames.
 * The volatile, ordered and compare-and-set forms must be naturally aligned; they are what
 * shared rings and event-channel bitmaps are built on.
 */
public interface GuestMemory {

    /** Bytes of guest-physical address space (the domain's maximum PFN times the page size). */
    long size();

    byte getByte(long address);

    void putByte(long address, byte value);

    short getShort(long address);

    void putShort(long address, short value);

    int getInt(long address);

    void putInt(long address, int value);

    long getLong(long address);

    void putLong(long address, long value);

    /** Copies {@code length} bytes from guest memory into {@code dst[dstOffset..]}. */
    void getBytes(long address, byte[] dst, int dstOffset, int length);

    /** Copies {@code length} bytes of {@code src[srcOffset..]} into guest memory. */
    void putBytes(long address, byte[] src, int srcOffset, int length);

    /** Sets {@code length} bytes starting at {@code address} to {@code value}. */
    void setMemory(long address, long length, byte value);

    /** Copies {@code length} bytes within the domain's own memory (regions may overlap). */
    void copy(long srcAddress, long dstAddress, long length);

    int getIntVolatile(long address);

    void putIntVolatile(long address, int value);

    /** A store-release: ordered after every earlier store, without a full fence. */
    void putIntOrdered(long address, int value);

    long getLongVolatile(long address);

    void putLongVolatile(long address, long value);

    boolean compareAndSetInt(long address, int expected, int value);

    boolean compareAndSetLong(long address, long expected, long value);

    /** Atomically adds {@code delta} and returns the previous value. */
    long getAndAddLong(long address, long delta);
}
