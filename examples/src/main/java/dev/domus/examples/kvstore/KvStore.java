package dev.domus.examples.kvstore;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.blk.BlkFront;
import dev.domus.sdk.mem.GuestHashMap;
import dev.domus.sdk.xenstore.WatchEvent;
import dev.domus.sdk.xenstore.XenStore;

import java.nio.charset.StandardCharsets;

/**
 * kvstore: a key-value store whose data lives in guest memory (a {@link GuestHashMap}, so it
 * survives save/restore as it is) and on a blkfront disk (an append-only record log, so it
 * survives a reboot or a fresh domain).
 *
 * <p>Clients talk to it through xenstore: write a command to {@code data/kvstore/cmd}
 * ({@code put KEY VALUE}, {@code get KEY}, {@code del KEY}, {@code count}); the answer appears
 * in {@code data/kvstore/result} as {@code "<seq> <answer>"}, where {@code seq} counts commands.
 * At boot it replays the disk into memory (unless memory already holds the map, after a
 * resume) and publishes {@code data/kvstore/keys} and {@code data/kvstore/status = ready}.
 * The {@code preload=N} parameter puts keys {@code k0..k(N-1)} at boot when they are absent.
 *
 * <p>Disk format: sector 0 holds a superblock ("KVS1", next free byte offset); records
 * follow from sector 1: {@code u8 kind (1 put, 2 del), u16 key length, u32 value length,
 * key, value}.
 */
public final class KvStore extends DomusKernel {

    private static final byte[] MAGIC = {'K', 'V', 'S', '1'};
    private static final int SECTOR = BlkFront.SECTOR;

    private GuestHashMap map;
    private BlkFront disk;
    private long tail;
    private long seq;

    @Override
    protected void main(Domu domu) {
        XenStore xs = domu.xenstore();
        boolean inMemory = domu.pages().root("map.kv") != 0;
        map = domu.map("kv");
        disk = xs.directory("device").contains("vbd") && !xs.directory("device/vbd").isEmpty() ? domu.disk() : null;
        if (disk != null) {
            loadOrFormat(!inMemory);
        }
        long preload = domu.param("preload", 0);
        for (long i = 0; i < preload; i++) {
            String k = "k" + i;
            if (map.get(k) == null) {
                put(k, "v" + i);
            }
        }
        if (disk != null) {
            flush();
        }
        xs.write("data/kvstore/keys", Long.toString(map.size()));
        xs.write("data/kvstore/backing", disk == null ? "memory" : "disk+memory");
        xs.write("data/kvstore/status", "ready");
        xs.watch("data/kvstore/cmd", "kv");
        domu.printf("kvstore: %d keys (%s)%n", map.size(), disk == null ? "memory only" : "disk " + disk.sectors() + " sectors");
        while (true) {
            WatchEvent e = xs.waitForWatch(domu.now() + 100_000_000L);
            if (e != null && e.token().equals("kv")) {
                String cmd = xs.readOr("data/kvstore/cmd", "");
                if (!cmd.isEmpty()) {
                    xs.write("data/kvstore/result", (++seq) + " " + execute(cmd));
                    xs.write("data/kvstore/keys", Long.toString(map.size()));
                }
            }
            domu.checkpoint();
        }
    }

    String execute(String cmd) {
        String[] w = words(cmd);
        switch (w[0]) {
            case "put":
                if (w.length < 3) {
                    return "error usage: put KEY VALUE";
                }
                put(w[1], w[2]);
                if (disk != null) {
                    flush();
                }
                return "ok";
            case "get": {
                String v = w.length < 2 ? null : map.get(w[1]);
                return v == null ? "missing" : "value " + v;
            }
            case "del":
                if (w.length < 2 || !map.remove(w[1])) {
                    return "missing";
                }
                if (disk != null) {
                    append((byte) 2, w[1], "");
                    flush();
                }
                return "ok";
            case "count":
                return "count " + map.size();
            default:
                return "error unknown command '" + w[0] + "' (put, get, del, count)";
        }
    }

    private void put(String k, String v) {
        map.put(k, v);
        if (disk != null) {
            append((byte) 1, k, v);
        }
    }

    // ------------------------------------------------------------------ disk log

    private void loadOrFormat(boolean replay) {
        byte[] sb = new byte[SECTOR];
        disk.read(0, sb, 0, 1);
        if (sb[0] != MAGIC[0] || sb[1] != MAGIC[1] || sb[2] != MAGIC[2] || sb[3] != MAGIC[3]) {
            tail = SECTOR;
            writeSuperblock();
            return;
        }
        tail = getLong(sb, 8);
        if (!replay) {
            return;
        }
        long pos = SECTOR;
        while (pos < tail) {
            byte[] head = readBytes(pos, 7);
            int klen = (head[1] & 0xff) | (head[2] & 0xff) << 8;
            int vlen = (int) getLongN(head, 3, 4);
            byte[] kv = readBytes(pos + 7, klen + vlen);
            String k = new String(kv, 0, klen, StandardCharsets.UTF_8);
            if (head[0] == 1) {
                map.put(k, new String(kv, klen, vlen, StandardCharsets.UTF_8));
            } else {
                map.remove(k);
            }
            pos += 7 + klen + vlen;
        }
    }

    private void append(byte kind, String k, String v) {
        byte[] kb = k.getBytes(StandardCharsets.UTF_8);
        byte[] vb = v.getBytes(StandardCharsets.UTF_8);
        byte[] rec = new byte[7 + kb.length + vb.length];
        rec[0] = kind;
        rec[1] = (byte) kb.length;
        rec[2] = (byte) (kb.length >>> 8);
        for (int i = 0; i < 4; i++) {
            rec[3 + i] = (byte) (vb.length >>> (8 * i));
        }
        for (int i = 0; i < kb.length; i++) {
            rec[7 + i] = kb[i];
        }
        for (int i = 0; i < vb.length; i++) {
            rec[7 + kb.length + i] = vb[i];
        }
        writeBytes(tail, rec);
        tail += rec.length;
    }

    private void flush() {
        writeSuperblock();
        if (disk.flushSupported()) {
            disk.flush();
        }
    }

    private void writeSuperblock() {
        byte[] sb = new byte[SECTOR];
        for (int i = 0; i < 4; i++) {
            sb[i] = MAGIC[i];
        }
        for (int i = 0; i < 8; i++) {
            sb[8 + i] = (byte) (tail >>> (8 * i));
        }
        disk.write(0, sb, 0, 1);
    }

    private byte[] readBytes(long pos, int len) {
        long first = pos / SECTOR;
        long last = (pos + len + SECTOR - 1) / SECTOR;
        byte[] buf = new byte[(int) (last - first) * SECTOR];
        disk.read(first, buf, 0, (int) (last - first));
        byte[] out = new byte[len];
        int at = (int) (pos - first * SECTOR);
        for (int i = 0; i < len; i++) {
            out[i] = buf[at + i];
        }
        return out;
    }

    private void writeBytes(long pos, byte[] data) {
        long first = pos / SECTOR;
        long last = (pos + data.length + SECTOR - 1) / SECTOR;
        int n = (int) (last - first);
        byte[] buf = new byte[n * SECTOR];
        disk.read(first, buf, 0, n); // read-modify-write of the partial sectors
        int at = (int) (pos - first * SECTOR);
        for (int i = 0; i < data.length; i++) {
            buf[at + i] = data[i];
        }
        disk.write(first, buf, 0, n);
    }

    private static long getLong(byte[] b, int at) {
        return getLongN(b, at, 8);
    }

    private static long getLongN(byte[] b, int at, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xff);
        }
        return v;
    }

    private static String[] words(String s) {
        String t = s.trim();
        int a = t.indexOf(' ');
        if (a < 0) {
            return new String[] {t};
        }
        String rest = t.substring(a + 1).trim();
        int b = rest.indexOf(' ');
        if (b < 0) {
            return new String[] {t.substring(0, a), rest};
        }
        return new String[] {t.substring(0, a), rest.substring(0, b), rest.substring(b + 1).trim()};
    }
}
