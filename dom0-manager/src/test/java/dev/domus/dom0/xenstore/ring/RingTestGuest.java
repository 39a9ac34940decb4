package dev.domus.dom0.xenstore.ring;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.XenException;
import dev.domus.sdk.xenstore.XenStore;

/**
 * A guest for the ring tests: talks to xenstored only through its xenstore ring (the SDK's
 * client), and to the console backend through its console ring.
 */
public final class RingTestGuest extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        XenStore xs = domu.xenstore();
        String name = xs.read("name");
        domu.printf("hello from %s%n", name);
        // A request larger than the 1024-byte ring: it reaches xenstored in pieces.
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            big.append("0123456789");
        }
        xs.write("data/big", big.toString());
        // Replies that wrap around the end of the rsp ring. (The SDK's client takes a reply only
        // once it is whole in the ring, so a reply must fit in 1024 bytes.)
        String mid = big.substring(0, 900);
        xs.write("data/mid", mid);
        boolean same = true;
        for (int i = 0; i < 3; i++) {
            same &= xs.read("data/mid").equals(mid);
        }
        xs.write("data/big-ok", same ? "yes" : "no");
        try {
            xs.read("/local/domain/0/secret");
            xs.write("data/denied", "no");
        } catch (XenException e) {
            xs.write("data/denied", e.errnoName());
        }
        xs.watch("data/go", "go");
        while (xs.readOr("data/go", "").isEmpty()) {
            xs.waitForWatch(0);
        }
        xs.write("data/hello", "world from " + name);
        domu.printf("bye from %s%n", name);
        while (true) {
            domu.sleep(1_000_000_000L); // stays up until destroyed; a clean point for the SDK
        }
    }
}
