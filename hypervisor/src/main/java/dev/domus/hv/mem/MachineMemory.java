package dev.domus.hv.mem;

import static dev.domus.abi.Xen.PAGE_SHIFT;
import static dev.domus.abi.Xen.PAGE_SIZE;

import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;
import sun.misc.Unsafe;

/**
 * The host's machine memory: one off-heap region of 4 KiB frames, addressed by machine frame
 * number (MFN).
 *
 * <p>The region is a list of natively allocated chunks of {@link #CHUNK_BYTES} (a frame never
 * straddles two chunks), because one Agrona buffer caps at 2 GiB. Chunks come from
 * {@code Unsafe.allocateMemory}: malloc hands such large blocks straight to {@code mmap}, so
 * pages the host never wrote cost no resident memory (unlike {@code ByteBuffer.allocateDirect},
 * which zeroes and so touches every page). Fresh memory reads as zero (see {@link #MMAP_ALWAYS}).
 *
 * <p>Thread safety: the chunk table is fixed at construction; {@link #close()} must only run
 * once nothing uses the region any more (host shutdown).
 */
public final class MachineMemory implements AutoCloseable {

    /** Bytes per native chunk: 1 GiB, well under the 2 GiB buffer cap. */
    public static final long CHUNK_BYTES = 1L << 30;

    /**
     * Blocks at least this large always come from a fresh anonymous {@code mmap} (glibc caps its
     * dynamic mmap threshold at 32 MiB on 64-bit hosts; musl's is lower), so they read as zero
     * without being touched. Smaller chunks are zeroed explicitly.
     */
    static final long MMAP_ALWAYS = 64L << 20;

    private static final int FRAMES_PER_CHUNK_SHIFT = 30 - PAGE_SHIFT;
    private static final long FRAME_IN_CHUNK_MASK = (1L << FRAMES_PER_CHUNK_SHIFT) - 1;

    /**
     * sun.misc.Unsafe (module jdk.unsupported, open to everyone): it needs no JVM flags, unlike
     * Agrona 2's UnsafeApi, and its plain, volatile and atomic accesses compile to single
     * instructions on the hot path.
     */
    static final Unsafe UNSAFE = loadUnsafe();

    private static Unsafe loadUnsafe() {
        try {
            java.lang.reflect.Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] chunkAddress;
    private final int frames;
    private boolean closed;

    /**
     * Reserves {@code bytes} of machine memory (a multiple of the page size, at least one page).
     *
     * @throws IllegalArgumentException if the size is not a positive multiple of 4 KiB or too
     *         large for an int frame count
     * @throws IllegalStateException if the host is not little-endian (the guest ABI is x86_64's)
     */
    public MachineMemory(long bytes) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("Domus needs a little-endian host: the guest ABI is x86_64's");
        }
        if (bytes <= 0 || (bytes & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("machine memory must be a positive multiple of 4 KiB, got " + bytes);
        }
        long frameCount = bytes >>> PAGE_SHIFT;
        if (frameCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("machine memory of " + bytes + " bytes is too large");
        }
        this.frames = (int) frameCount;
        int chunks = (int) ((bytes + CHUNK_BYTES - 1) / CHUNK_BYTES);
        this.chunkAddress = new long[chunks];
        try {
            for (int i = 0; i < chunks; i++) {
                long size = Math.min(CHUNK_BYTES, bytes - i * CHUNK_BYTES);
                chunkAddress[i] = UNSAFE.allocateMemory(size);
                if (size < MMAP_ALWAYS) {
                    // Small blocks may be recycled heap memory: zero them (cheap at this size).
                    UNSAFE.setMemory(chunkAddress[i], size, (byte) 0);
                }
            }
        } catch (OutOfMemoryError e) {
            freeChunks();
            throw e;
        }
    }

    /** Number of 4 KiB frames in the region. */
    public int frames() {
        return frames;
    }

    /** Size of the region in bytes. */
    public long bytes() {
        return (long) frames << PAGE_SHIFT;
    }

    /** Native address of the first byte of frame {@code mfn}; the caller has checked the range. */
    public long frameAddress(long mfn) {
        return chunkAddress[(int) (mfn >>> FRAMES_PER_CHUNK_SHIFT)] + ((mfn & FRAME_IN_CHUNK_MASK) << PAGE_SHIFT);
    }

    /** Points {@code buffer} at frame {@code mfn} (4096 bytes). Hypervisor use only. */
    public UnsafeBuffer wrapFrame(long mfn, UnsafeBuffer buffer) {
        checkMfn(mfn);
        buffer.wrap(frameAddress(mfn), PAGE_SIZE);
        return buffer;
    }

    /** True if every byte of the frame is zero; reading an untouched page does not make it resident. */
    public boolean isFrameZero(long mfn) {
        long address = frameAddress(mfn);
        for (int i = 0; i < PAGE_SIZE; i += 8) {
            if (UNSAFE.getLong(address + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Zeroes frame {@code mfn}, touching it only if it holds data (so clean frames stay non-resident). */
    public void scrubFrame(long mfn) {
        if (!isFrameZero(mfn)) {
            UNSAFE.setMemory(frameAddress(mfn), PAGE_SIZE, (byte) 0);
        }
    }

    /** Copies frame {@code src} to frame {@code dst}. */
    public void copyFrame(long src, long dst) {
        UNSAFE.copyMemory(frameAddress(src), frameAddress(dst), PAGE_SIZE);
    }

    private void checkMfn(long mfn) {
        if (mfn < 0 || mfn >= frames) {
            throw new IndexOutOfBoundsException("mfn " + mfn + " outside machine memory of " + frames + " frames");
        }
    }

    /** Returns the region to the operating system. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            freeChunks();
        }
    }

    private void freeChunks() {
        for (int i = 0; i < chunkAddress.length; i++) {
            if (chunkAddress[i] != 0) {
                UNSAFE.freeMemory(chunkAddress[i]);
                chunkAddress[i] = 0;
            }
        }
    }
}
