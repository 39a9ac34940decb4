package dev.domus.dom0.save;

import static dev.domus.dom0.save.ImageFormat.*;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads and checks a save image: magic, version, every header's and record's CRC32C, record
 * lengths, record order, PFN ranges, the END record and nothing after it. Any fault is an
 * {@link ImageException} that says what is wrong and where. A restore calls
 * {@link #verify(Path)} first (no pages delivered, nothing created), then
 * {@link #read(Path, PageSink)} to load the pages.
 */
public final class ImageReader {

    private static final int PAGE = 1 << PAGE_SHIFT;

    private ImageReader() {
    }

    /** Checks the whole image without delivering pages. */
    public static SavedImage verify(Path image) throws ImageException {
        return read(image, null);
    }

    /** Checks the whole image, handing each page to {@code sink} (if not null) as it goes. */
    public static SavedImage read(Path image, PageSink sink) throws ImageException {
        try (InputStream raw = Files.newInputStream(image);
             InputStream in = new BufferedInputStream(raw, 1 << 20)) {
            return new Pass(image + " is not a usable Domus save image: ", in, sink, null, false).run();
        } catch (NoSuchFileException e) {
            throw new ImageException("no such image file: " + image);
        } catch (IOException e) {
            throw new ImageException("cannot read " + image + ": " + e.getMessage(), e);
        }
    }

    /**
     * Indexes an image for a lazy restore without reading its page data: every record except
     * PAGE_DATA is read and checked as {@link #read} does; of a PAGE_DATA record only the PFN
     * list is read (its checksum is checked later, by {@link LazyImageStore}, when a page of it
     * is first loaded), and {@code index} learns where each PFN's data lies.
     */
    public static SavedImage index(Path image, PageIndex index) throws ImageException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(image);
             // 16 KiB: a record's header and PFN list (8 KiB for 1024 pages) in one read; a
             // larger buffer reads page data the index seeks past anyway
             InputStream in = new BufferedInputStream(new SeekingInput(ch), 16 << 10)) {
            Pass p = new Pass(image + " is not a usable Domus save image: ", in, null, null, false);
            p.index = index;
            return p.run();
        } catch (NoSuchFileException e) {
            throw new ImageException("no such image file: " + image);
        } catch (IOException e) {
            throw new ImageException("cannot read " + image + ": " + e.getMessage(), e);
        }
    }

    /** A file's bytes whose {@code skip} moves the position instead of reading (the index skips page data). */
    private static final class SeekingInput extends InputStream {
        private final java.nio.channels.FileChannel ch;

        SeekingInput(java.nio.channels.FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return ch.read(ByteBuffer.wrap(b, off, len));
        }

        @Override
        public long skip(long n) throws IOException {
            long pos = ch.position();
            long step = Math.max(0, Math.min(n, ch.size() - pos));
            ch.position(pos + step);
            return step;
        }
    }

    /** Called once, before the first page of a stream, with what came before it. */
    @FunctionalInterface
    public interface Start {
        void begin(SavedDomainInfo info, String configSource, String config) throws Exception;
    }

    /**
     * Reads a migration stream: the same headers and records, checked the same way, from a
     * socket. {@code start} runs before the first PAGE_DATA record (the target builds the domain
     * there); a page may come more than once (pre-copy rounds), the last copy wins. Reading stops
     * at END without looking further (the source waits for an answer then).
     *
     * @param what  names the stream in messages (e.g. "the migration stream from 10.0.0.1")
     */
    public static SavedImage readStream(InputStream in, String what, Start start, PageSink sink)
            throws ImageException, IOException {
        return new Pass(what + " is corrupt: ", in, sink, start, true).run();
    }

    /** One pass over one image. */
    private static final class Pass {
        private final String prefix;
        private final InputStream in;
        private final PageSink sink;
        private final Start start;
        private final boolean stream;
        private boolean started;
        private final CRC32C crc = new CRC32C();
        private final byte[] head = new byte[8];
        private final ByteBuffer hb = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        private byte[] body = new byte[64 << 10];
        private PageIndex index;
        private long offset;
        private SavedDomainInfo info;
        private String config;
        private String configSource;
        private final Map<String, String> xenstore = new LinkedHashMap<>();
        private byte[] sharedInfo;
        private final List<long[]> vcpus = new ArrayList<>();
        private long normal;
        private long zero;
        private long absent;

        Pass(String prefix, InputStream in, PageSink sink, Start start, boolean stream) {
            this.prefix = prefix;
            this.in = in;
            this.sink = sink;
            this.start = start;
            this.stream = stream;
        }

        private ImageException bad(String what) {
            return new ImageException(prefix + what);
        }

        private void start() throws ImageException {
            if (started || start == null) {
                return;
            }
            started = true;
            try {
                start.begin(info, configSource, config);
            } catch (ImageException e) {
                throw e;
            } catch (Exception e) {
                throw new ImageException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
            }
        }

        private void readFully(byte[] b, int len, String what) throws IOException, ImageException {
            int n = in.readNBytes(b, 0, len);
            offset += n;
            if (n < len) {
                throw bad("truncated in " + what + " at byte " + offset + " (" + (len - n) + " bytes missing)");
            }
        }

        private int crcOf(byte[] b, int off, int len) {
            crc.reset();
            crc.update(b, off, len);
            return (int) crc.getValue();
        }

        SavedImage run() throws IOException, ImageException {
            byte[] ih = new byte[IHDR_LENGTH];
            readFully(ih, IHDR_LENGTH, "the image header");
            ByteBuffer h = ByteBuffer.wrap(ih).order(ByteOrder.LITTLE_ENDIAN);
            long marker = h.getLong();
            int id = h.getInt();
            int version = h.getInt();
            if (marker != IHDR_MARKER || id != IHDR_ID) {
                throw bad(String.format("wrong magic (marker %016x, id %08x; expected %016x, %08x \"DOMS\")",
                        marker, id, IHDR_MARKER, IHDR_ID));
            }
            if (version != VERSION) {
                throw bad("unsupported image version " + version + " (this build reads version " + VERSION + ")");
            }
            if (h.getInt(24) != crcOf(ih, 0, 24)) {
                throw bad("checksum error in the image header");
            }
            byte[] dh = new byte[DHDR_LENGTH];
            readFully(dh, DHDR_LENGTH, "the domain header");
            ByteBuffer d = ByteBuffer.wrap(dh).order(ByteOrder.LITTLE_ENDIAN);
            if (d.getInt(16) != crcOf(dh, 0, 16)) {
                throw bad("checksum error in the domain header");
            }
            int type = d.getInt(0);
            int shift = d.getShort(4);
            if (type != DHDR_TYPE_X86_PV || shift != PAGE_SHIFT) {
                throw bad("domain type " + type + " with page shift " + shift + " (expected x86 PV, 12)");
            }
            for (int n = 0; ; n++) {
                if (record(n)) {
                    break;
                }
            }
            if (!stream && in.read() >= 0) {
                throw bad("data after the END record at byte " + offset);
            }
            if (info == null) {
                throw bad("no DOMUS_DOMAIN_INFO record");
            }
            return new SavedImage(info, configSource, config, xenstore, sharedInfo, vcpus, normal, zero, absent, offset);
        }

        /** Reads record {@code n}; true at END. */
        private boolean record(int n) throws IOException, ImageException {
            long at = offset;
            readFully(head, 8, "record #" + n + "'s header (no END record)");
            int type = hb.getInt(0);
            int len = hb.getInt(4);
            String name = typeName(type);
            if (len < 0 || len > MAX_RECORD_BODY) {
                throw bad("record #" + n + " (" + name + ") at byte " + at + " claims " + (len & 0xffffffffL)
                        + " bytes (at most " + MAX_RECORD_BODY + ")");
            }
            if (index != null && type == REC_TYPE_PAGE_DATA) {
                if (info == null) {
                    throw bad("the first record is " + name + ", not DOMUS_DOMAIN_INFO");
                }
                indexPageData(n, at, len);
                return false;
            }
            int total = padded(len) + RECORD_TRAILER;
            if (body.length < total) {
                body = new byte[Math.max(total, body.length * 2)];
            }
            readFully(body, total, "record #" + n + " (" + name + ")");
            crc.reset();
            crc.update(head, 0, 8);
            crc.update(body, 0, len);
            int want = ByteBuffer.wrap(body, padded(len), 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if ((int) crc.getValue() != want) {
                throw bad("checksum error in record #" + n + " (" + name + ") at byte " + at);
            }
            if (n == 0 && type != REC_TYPE_DOMUS_DOMAIN_INFO) {
                throw bad("the first record is " + name + ", not DOMUS_DOMAIN_INFO");
            }
            switch (type) {
                case REC_TYPE_END -> {
                    if (len != 0) {
                        throw bad("END record with a " + len + "-byte body");
                    }
                    start();
                    return true;
                }
                case REC_TYPE_DOMUS_DOMAIN_INFO -> {
                    if (info != null) {
                        throw bad("a second DOMUS_DOMAIN_INFO record (#" + n + ")");
                    }
                    info = SavedDomainInfo.decode(body, len);
                }
                case REC_TYPE_DOMUS_CONFIG -> {
                    Fields f = Fields.reader(body, len, name);
                    configSource = f.getStr();
                    config = f.getStr();
                }
                case REC_TYPE_DOMUS_XENSTORE -> xenstoreRecord(len);
                case REC_TYPE_SHARED_INFO -> {
                    if (len != PAGE) {
                        throw bad("SHARED_INFO record of " + len + " bytes (expected " + PAGE + ")");
                    }
                    sharedInfo = java.util.Arrays.copyOf(body, len);
                }
                case REC_TYPE_X86_PV_VCPU_BASIC -> {
                    Fields f = Fields.reader(body, len, name);
                    vcpus.add(new long[] {f.getU32(), f.getU32(), f.getU64()});
                }
                case REC_TYPE_PAGE_DATA -> {
                    start();
                    pageData(n, len);
                }
                default -> {
                    if ((type & REC_TYPE_OPTIONAL) == 0) {
                        throw bad("unknown record type " + name + " (#" + n + ") that is not optional");
                    }
                }
            }
            return false;
        }

        /** Reads a PAGE_DATA record's PFN list into the index and skips its data. */
        private void indexPageData(int n, long at, int len) throws IOException, ImageException {
            if (len < 8) {
                throw bad("PAGE_DATA record #" + n + " of " + len + " bytes");
            }
            readFully(body, 8, "record #" + n + " (PAGE_DATA)");
            int count = ByteBuffer.wrap(body, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            if (count < 1 || count > MAX_BATCH_PAGES || 8 + 8L * count > len) {
                throw bad("PAGE_DATA record #" + n + " with " + (count & 0xffffffffL) + " pages in " + len + " bytes");
            }
            readFully(body, 8 * count, "record #" + n + "'s PFN list");
            ByteBuffer b = ByteBuffer.wrap(body, 0, 8 * count).order(ByteOrder.LITTLE_ENDIAN);
            long dataAt = at + RECORD_HEADER + 8 + 8L * count;
            int withData = 0;
            index.size(info.nrPages());
            int rec = index.addRecord(at, len);
            for (int i = 0; i < count; i++) {
                long e = b.getLong(8 * i);
                long pfn = e & PAGE_DATA_PFN_MASK;
                long t = e & PAGE_TYPE_MASK;
                if (pfn >= info.nrPages()) {
                    throw bad("PAGE_DATA record #" + n + " names pfn " + pfn + " beyond the domain's "
                            + info.nrPages() + " pages");
                }
                if (t == PAGE_NORMAL) {
                    index.put(pfn, rec, dataAt + (long) withData * PAGE);
                    withData++;
                    normal++;
                } else if (t == PAGE_ZERO) {
                    index.put(pfn, rec, PageIndex.ZERO);
                    zero++;
                } else if (t == PAGE_ABSENT) {
                    index.put(pfn, rec, PageIndex.ABSENT);
                    absent++;
                } else {
                    throw bad("PAGE_DATA record #" + n + " gives pfn " + pfn + " unknown type " + (t >>> 60));
                }
            }
            if (len != 8 + 8 * count + withData * PAGE) {
                throw bad("PAGE_DATA record #" + n + " is " + len + " bytes, expected " + (8 + 8 * count + withData * PAGE));
            }
            long skip = padded(len) + RECORD_TRAILER - 8 - 8L * count;
            in.skipNBytes(skip);
            offset += skip;
        }

        private void xenstoreRecord(int len) throws ImageException {
            Fields f = Fields.reader(body, len, "DOMUS_XENSTORE");
            int count = f.getU32();
            for (int i = 0; i < count; i++) {
                xenstore.put(f.getStr(), f.getStr());
            }
        }

        private void pageData(int n, int len) throws ImageException {
            ByteBuffer b = ByteBuffer.wrap(body, 0, len).order(ByteOrder.LITTLE_ENDIAN);
            if (len < 8) {
                throw bad("PAGE_DATA record #" + n + " of " + len + " bytes");
            }
            int count = b.getInt(0);
            if (count < 1 || count > MAX_BATCH_PAGES || 8 + 8L * count > len) {
                throw bad("PAGE_DATA record #" + n + " with " + (count & 0xffffffffL) + " pages in " + len + " bytes");
            }
            int withData = 0;
            for (int i = 0; i < count; i++) {
                long e = b.getLong(8 + 8 * i);
                long pfn = e & PAGE_DATA_PFN_MASK;
                long t = e & PAGE_TYPE_MASK;
                if (pfn >= info.nrPages()) {
                    throw bad("PAGE_DATA record #" + n + " names pfn " + pfn + " beyond the domain's "
                            + info.nrPages() + " pages");
                }
                if (t == PAGE_NORMAL) {
                    withData++;
                } else if (t != PAGE_ZERO && t != PAGE_ABSENT) {
                    throw bad("PAGE_DATA record #" + n + " gives pfn " + pfn + " unknown type " + (t >>> 60));
                }
            }
            if (len != 8 + 8 * count + withData * PAGE) {
                throw bad("PAGE_DATA record #" + n + " is " + len + " bytes, expected " + (8 + 8 * count + withData * PAGE));
            }
            int dataAt = 8 + 8 * count;
            for (int i = 0; i < count; i++) {
                long e = b.getLong(8 + 8 * i);
                long pfn = e & PAGE_DATA_PFN_MASK;
                long t = e & PAGE_TYPE_MASK;
                if (t == PAGE_NORMAL) {
                    normal++;
                } else if (t == PAGE_ZERO) {
                    zero++;
                } else {
                    absent++;
                }
                if (sink != null) {
                    try {
                        sink.page(pfn, t, t == PAGE_NORMAL ? body : null, dataAt);
                    } catch (ImageException ie) {
                        throw ie;
                    } catch (Exception ex) {
                        throw new ImageException("loading pfn " + pfn + " failed: " + ex.getMessage(), ex);
                    }
                }
                if (t == PAGE_NORMAL) {
                    dataAt += PAGE;
                }
            }
        }
    }
}
