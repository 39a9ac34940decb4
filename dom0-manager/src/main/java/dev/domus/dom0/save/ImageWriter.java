package dev.domus.dom0.save;

import static dev.domus.dom0.save.ImageFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Writes a save image (see {@link ImageFormat}) to a new file through 1 MiB direct buffers that
 * a thread of its own writes ({@link WriteBehind}), so building the next records overlaps the
 * kernel's copy of the last ones. Call {@link #finish()} after the last record: it writes END,
 * waits for the writes and fsyncs. A writer that is closed without {@code finish} deletes its
 * file, so a failed save never leaves a partial image. The same records go over a socket for
 * live migration ({@link #ImageWriter(WritableByteChannel)}), written on the caller's thread
 * through one buffer: then {@code finish} only flushes, and closing leaves the channel to its owner.
 */
public final class ImageWriter implements AutoCloseable {

    private static final byte[] PAD = new byte[8];

    private final Path path;
    private final FileChannel file;
    private final WritableByteChannel ch;
    private final WriteBehind behind;
    private ByteBuffer buf;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    private long bytes;
    private boolean finished;
    private boolean closed;

    /** Creates {@code path} (it must not exist) and writes the image and domain headers. */
    public ImageWriter(Path path) throws IOException {
        this(path, FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    /** Writes the image and domain headers to {@code stream} (a migration's socket). */
    public ImageWriter(WritableByteChannel stream) throws IOException {
        this(null, stream);
    }

    private ImageWriter(Path path, WritableByteChannel channel) throws IOException {
        this.path = path;
        this.ch = channel;
        this.file = channel instanceof FileChannel f && path != null ? f : null;
        this.behind = file != null ? new WriteBehind(file) : null;
        this.buf = behind != null ? WriteBehind.newBuffer() : ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try {
            ByteBuffer h = ByteBuffer.allocate(IHDR_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            h.putLong(IHDR_MARKER).putInt(IHDR_ID).putInt(VERSION).putShort((short) 0).putShort((short) 0).putInt(0);
            h.putInt(crc32c(h.array(), 0, 24)).putInt(0);
            put(h.array(), 0, IHDR_LENGTH);
            ByteBuffer d = ByteBuffer.allocate(DHDR_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            d.putInt(DHDR_TYPE_X86_PV).putShort((short) PAGE_SHIFT).putShort((short) 0).putInt(XEN_MAJOR).putInt(XEN_MINOR);
            d.putInt(crc32c(d.array(), 0, 16)).putInt(0);
            put(d.array(), 0, DHDR_LENGTH);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private static int crc32c(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /** Bytes written so far (headers and records). */
    public long bytes() {
        return bytes;
    }

    public Path path() {
        return path;
    }

    /** Writes one record: header, body, padding, CRC32C trailer. */
    public void record(int type, byte[] body, int off, int len) throws IOException {
        if (len > MAX_RECORD_BODY) {
            throw new IllegalArgumentException(typeName(type) + " record of " + len + " bytes is over " + MAX_RECORD_BODY);
        }
        head.clear();
        head.putInt(type).putInt(len);
        crc.reset();
        crc.update(head.array(), 0, 8);
        crc.update(body, off, len);
        put(head.array(), 0, 8);
        put(body, off, len);
        put(PAD, 0, padded(len) - len);
        head.clear();
        head.putInt((int) crc.getValue()).putInt(0);
        put(head.array(), 0, 8);
    }

    /**
     * Writes one record whose body is {@code a[aOff..aOff+aLen)} followed by {@code b[bOff..bOff+bLen)}
     * (a page batch's PFN list and its page data, without first copying them together).
     */
    public void record(int type, byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) throws IOException {
        int len = aLen + bLen;
        if (len > MAX_RECORD_BODY || len < 0) {
            throw new IllegalArgumentException(typeName(type) + " record of " + len + " bytes is over " + MAX_RECORD_BODY);
        }
        head.clear();
        head.putInt(type).putInt(len);
        crc.reset();
        crc.update(head.array(), 0, 8);
        crc.update(a, aOff, aLen);
        crc.update(b, bOff, bLen);
        put(head.array(), 0, 8);
        put(a, aOff, aLen);
        put(b, bOff, bLen);
        put(PAD, 0, padded(len) - len);
        head.clear();
        head.putInt((int) crc.getValue()).putInt(0);
        put(head.array(), 0, 8);
    }

    public void record(int type, byte[] body) throws IOException {
        record(type, body, 0, body.length);
    }

    public void domainInfo(SavedDomainInfo info) throws IOException {
        record(REC_TYPE_DOMUS_DOMAIN_INFO, info.encode());
    }

    /** The config text and the path it was read from (relative paths in it are relative to that file). */
    public void config(String source, String text) throws IOException {
        record(REC_TYPE_DOMUS_CONFIG, Fields.writer().str(source).str(text).bytes());
    }

    /** The xenstore subtree: paths relative to the domain's home, in map order. */
    public void xenstore(Map<String, String> nodes) throws IOException {
        Fields f = Fields.writer().u32(nodes.size());
        for (Map.Entry<String, String> e : nodes.entrySet()) {
            f.str(e.getKey()).str(e.getValue());
        }
        record(REC_TYPE_DOMUS_XENSTORE, f.bytes());
    }

    /** X86_PV_VCPU_BASIC, Domus's form: vcpu_id, online flag, cpu time in ns. */
    public void vcpu(int id, boolean online, long cpuTimeNs) throws IOException {
        record(REC_TYPE_X86_PV_VCPU_BASIC, Fields.writer().u32(id).u32(online ? 1 : 0).u64(cpuTimeNs).bytes());
    }

    private void put(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (!buf.hasRemaining()) {
                drain();
            }
            int n = Math.min(len, buf.remaining());
            buf.put(b, off, n);
            off += n;
            len -= n;
            bytes += n;
        }
    }

    private void drain() throws IOException {
        buf.flip();
        if (behind != null) {
            buf = behind.swap(buf);
            return;
        }
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
    }

    /** Writes out what is buffered and waits for it (a migration flushes at the end of each round). */
    public void flush() throws IOException {
        drain();
        if (behind != null) {
            behind.drain();
        }
    }

    /** Writes the END record, flushes and fsyncs (a file). The image is complete once this returns. */
    public void finish() throws IOException {
        record(REC_TYPE_END, PAD, 0, 0);
        flush();
        if (file != null) {
            file.force(true);
        }
        finished = true;
    }

    /** Closes the file; without a successful {@link #finish()} the partial image is deleted. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (path == null) {
            return; // a stream: its owner closes it
        }
        try {
            if (behind != null) {
                behind.close();
            }
            ch.close();
        } finally {
            if (!finished) {
                java.nio.file.Files.deleteIfExists(path);
            }
        }
    }
}
