package dev.domus.dom0.xenstore.ring;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.XenException;
import dev.domus.sdk.xenstore.WatchEvent;
import dev.domus.sdk.xenstore.XenStore;

import java.util.List;

/**
 * A guest whose xenstore messages do not fit in the 1024-byte rings. Once Dom0 has written
 * {@code data/large/ready} it reads a 3000-byte value and a directory listing of about 3 KiB
 * that Dom0 made (Dom0 has no quota; a guest's own nodes stop at 2048 bytes), writes a
 * 2000-byte value of its own (the request goes in pieces) while watching it (the watch
 * event comes between replies) and reads it back. Publishes what it saw under
 * {@code data/large/}.
 */
public final class LargeMessageGuest extends DomusKernel {

    static final int CHILDREN = 120;

    /** {@code n} bytes, no two neighbouring 10-byte blocks alike, so a lost or repeated piece shows. */
    static String pattern(int n, char salt) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < n; i++) {
            b.append(padded(i * 7, 9)).append((char) (salt + i % 26));
        }
        b.setLength(n);
        return b.toString();
    }

    static String child(int i) {
        return "child-with-a-long-name-" + padded(i, 3);
    }

    private static String padded(int n, int width) {
        StringBuilder b = new StringBuilder(Integer.toString(n));
        while (b.length() < width) {
            b.insert(0, '0');
        }
        return b.toString();
    }

    @Override
    protected void main(Domu domu) {
        XenStore xs = domu.xenstore();
        xs.watch("data/large/ready", "ready");
        while (xs.readOr("data/large/ready", "").isEmpty()) {
            xs.waitForWatch(0);
        }

        String fromDom0 = xs.read("data/large/from-dom0");
        xs.write("data/large/from-dom0-read", fromDom0.equals(pattern(3000, 'a')) ? "same"
                : "differs: " + fromDom0.length() + " bytes");

        List<String> names = xs.directory("data/large/dir");
        boolean all = names.size() == CHILDREN;
        for (int i = 0; all && i < CHILDREN; i++) {
            all = names.get(i).equals(child(i));
        }
        xs.write("data/large/dir-listed", all ? "all " + names.size() : "wrong: " + names);

        String mine = pattern(2000, 'A');
        xs.watch("data/large/mine", "mine");
        xs.write("data/large/mine", mine);
        String back = xs.read("data/large/mine");
        int events = 0;
        for (WatchEvent e = xs.pollWatch(); e != null; e = xs.pollWatch()) {
            events += e.token().equals("mine") ? 1 : 0;
        }
        xs.write("data/large/mine-read", back.equals(mine) ? "same" : "differs: " + back.length() + " bytes");
        xs.write("data/large/mine-events", Integer.toString(events));

        // Over the protocol's limit (XENSTORE_PAYLOAD_MAX) the client refuses, and still works after.
        try {
            xs.write("data/large/too-big", pattern(4096, 'a'));
            xs.write("data/large/too-big-refused", "no");
        } catch (XenException e) {
            xs.write("data/large/too-big-refused", e.errnoName());
        }
        xs.write("data/large/done", "1");
        while (true) {
            domu.sleep(1_000_000_000L);
        }
    }
}
