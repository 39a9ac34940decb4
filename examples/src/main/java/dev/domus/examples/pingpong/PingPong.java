package dev.domus.examples.pingpong;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.Xen;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.XenException;
import dev.domus.sdk.event.EventChannels;
import dev.domus.sdk.grant.GrantTable;
import dev.domus.sdk.xenstore.XenStore;

/**
 * pingpong: two guests exchanging events through a granted page and an interdomain event
 * channel.
 *
 * <p>The {@code role=pong} guest (parameter {@code peer} = the ping guest's domid) allocates
 * a page, grants it to the peer, allocates an unbound port for it, and publishes
 * {@code data/pingpong/gref} and {@code data/pingpong/port} (readable by the peer). The
 * {@code role=ping} guest ({@code peer} = the pong guest's domid) reads them, binds the port,
 * and for {@code rounds} rounds writes a counter into the page by grant copy, notifies, waits
 * for the answer and reads back the counter the pong side incremented. Both publish
 * {@code data/pingpong/round_trips}; ping also {@code data/pingpong/status = done}.
 */
public final class PingPong extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        String role = domu.param("role", "");
        int peer = (int) domu.param("peer", -1);
        if (peer < 0 || !(role.equals("ping") || role.equals("pong"))) {
            domu.printf("pingpong: need role=ping|pong and peer=<domid>%n");
            domu.publish("data/pingpong/status", "bad parameters");
            return;
        }
        try {
            if (role.equals("pong")) {
                pong(domu, peer);
            } else {
                ping(domu, peer, domu.param("rounds", 1000));
            }
        } catch (XenException e) {
            domu.printf("pingpong: failed: %s%n", e.getMessage());
            domu.publish("data/pingpong/status", "failed");
            throw e;
        }
    }

    private void pong(Domu domu, int peer) {
        XenStore xs = domu.hasXenstore() ? domu.xenstore() : null;
        GuestMemory m = domu.memory();
        long pfn = domu.pagesFor("pingpong.page", 1);
        long page = pfn << Xen.PAGE_SHIFT;
        m.setMemory(page, Xen.PAGE_SIZE, (byte) 0);
        int gref = domu.grants().grantAccess(peer, pfn, false);
        EventChannels ev = domu.events();
        int port = ev.allocUnbound(peer);
        if (xs != null) {
            xs.write("data/pingpong/gref", Integer.toString(gref));
            xs.write("data/pingpong/port", Integer.toString(port));
            xs.setPermissions("data/pingpong", "n" + domu.param("self", domId(xs)), "r" + peer);
            xs.write("data/pingpong/status", "serving");
        }
        // without xenstore the toolstack passes these to the ping guest as gref= and port=
        domu.printf("pingpong: serving gref=%d port=%d%n", gref, port);
        long rounds = 0;
        while (true) {
            ev.waitFor(port, domu.now() + 100_000_000L);
            long v = m.getLongVolatile(page);
            if (v > rounds) {
                m.putLongVolatile(page + 8, v + 1);
                rounds = v;
                ev.send(port);
                if ((rounds & 127) == 0) {
                    domu.publish("data/pingpong/round_trips", Long.toString(rounds));
                }
            }
            domu.checkpoint();
        }
    }

    private void ping(Domu domu, int peer, long rounds) {
        String gref = domu.param("gref", null);
        String rport = domu.param("port", null);
        XenStore xs = domu.hasXenstore() ? domu.xenstore() : null;
        String base = xs == null ? "" : xs.domainPath(peer) + "/data/pingpong/";
        long deadline = domu.now() + 30_000_000_000L;
        while (gref == null || rport == null) {
            if (xs == null) {
                throw new XenException(dev.domus.abi.XenErrno.XEN_EINVAL, "pingpong", "without xenstore, pass gref= and port=");
            }
            gref = readOrNull(xs, base + "gref");
            rport = readOrNull(xs, base + "port");
            if (gref == null || rport == null) {
                if (domu.now() > deadline) {
                    throw new XenException(dev.domus.abi.XenErrno.XEN_ETIMEDOUT, "pingpong", "peer " + peer + " never published its page");
                }
                domu.sleep(10_000_000L);
            }
        }
        int ref = Integer.parseInt(gref);
        EventChannels ev = domu.events();
        int port = ev.bindInterdomain(peer, Integer.parseInt(rport));
        GrantTable gt = domu.grants();
        long scratch = domu.pagesFor("pingpong.scratch", 1) << Xen.PAGE_SHIFT;
        GuestMemory m = domu.memory();
        long done = 0;
        for (long i = 1; i <= rounds; i++) {
            m.putLong(scratch, i);
            gt.copyToGrant(scratch, peer, ref, 0, 8);
            ev.send(port);
            while (true) {
                ev.waitFor(port, domu.now() + 5_000_000_000L);
                gt.copyFromGrant(peer, ref, 8, scratch + 8, 8);
                if (m.getLong(scratch + 8) == i + 1) {
                    break;
                }
            }
            done = i;
        }
        domu.publish("data/pingpong/round_trips", Long.toString(done));
        domu.publish("data/pingpong/status", "done");
        domu.printf("pingpong: %d round trips with domain %d%n", done, peer);
    }

    private static String readOrNull(XenStore xs, String path) {
        String v = xs.readOr(path, "");
        return v.isEmpty() ? null : v;
    }

    private static long domId(XenStore xs) {
        return Long.parseLong(xs.readOr("domid", "-1").trim());
    }
}
