package dev.domus.dom0.xenstore.ring;

import static dev.domus.abi.XsWire.XENSTORE_RING_SIZE;
import static dev.domus.abi.XsWire.XS_WATCH;
import static dev.domus.abi.XsWire.XS_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.domus.abi.GuestMemory;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsConnection;
import dev.domus.dom0.xenstore.XsPermission;
import dev.domus.dom0.xenstore.XsQuota;
import dev.domus.dom0.xenstore.Xenstored;
import dev.domus.hv.boot.Dom0;
import dev.domus.hv.boot.Host;
import dev.domus.hv.boot.HostConfig;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A guest that sends requests or has watches but never reads its responses must not make
 * xenstored hold unbounded memory for it (XSA-326): past its outstanding quota its requests
 * stay in its own ring, and past its byte quota its watch events are dropped. Nothing else is
 * lost: once it reads, every request it sent is served.
 *
 * <p>The test plays the guest's side of a real ring page in Dom0's memory, driving the
 * daemon's ring transport itself (one {@code onEvent} per notification), so every step is
 * deterministic.
 */
class RingOutputQuotaTest {

    private static final int GUEST = 7;
    private static final String HOME = "/local/domain/" + GUEST;

    private Host host;
    private Dom0 dom0;
    private GuestMemory mem;
    private Dom0Calls calls;
    private long page;
    private Xenstored daemon;
    private XsRingTransport transport;
    private XsClient tools;

    @BeforeEach
    void start() {
        host = Host.start(HostConfig.defaults().withMemory(32L << 20).withPcpus(1).withDom0Memory(8L << 20));
        dom0 = host.dom0();
        mem = dom0.memory();
        calls = new Dom0Calls(dom0);
        page = dom0.pages().allocate(1);
        mem.setMemory(page, 4096, (byte) 0);
    }

    /** A daemon with {@code quota}, and the guest's ring connected to it (a loopback event channel in Dom0). */
    private void connect(XsQuota quota) {
        daemon = new Xenstored(quota);
        tools = XsClient.connect(daemon, 0);
        tools.mkdir(HOME);
        tools.setPerms(HOME, List.of(new XsPermission(GUEST, 'n')));
        int port = calls.bindInterdomain(0, calls.allocUnbound(0));
        transport = new XsRingTransport(mem, page, calls, port);
        XsConnection c = daemon.connect(GUEST, transport);
        transport.connect(c, () -> { });
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
        calls.close();
        host.close();
    }

    @Test
    void requestsOfAGuestThatDoesNotReadStayInItsRingUntilItReads() {
        connect(XsQuota.DEFAULT);
        int limit = XsQuota.DEFAULT.maxOutstanding();
        int total = 500;
        int sent = 0;
        // Send without ever reading: fill the ring, notify, until xenstored stops taking requests.
        while (sent < total) {
            if (putRequest(XS_WRITE, sent, "data/flood/" + sent, "x")) {
                sent++;
                continue;
            }
            int cons = reqCons();
            transport.onEvent();
            if (reqCons() == cons) {
                break; // xenstored read nothing more: the guest is throttled
            }
        }
        assertTrue(sent < total, "xenstored kept reading requests from a guest that reads no responses");
        int queued = daemon.pendingMessages(GUEST);
        int served = tools.directory(HOME + "/data/flood").size();
        // The rsp ring holds what fits (a 19-byte "OK" each); beyond it at most the quota plus
        // the requests of the one ring's worth read together are queued.
        assertTrue(queued >= limit && queued <= limit + XENSTORE_RING_SIZE / 16, "queued " + queued);
        assertTrue(served <= XENSTORE_RING_SIZE / 19 + queued, "served " + served + ", queued " + queued);

        // The guest reads: everything it sent is served, nothing was lost.
        int responses = 0;
        while (sent < total || reqProd() != reqCons() || daemon.pendingMessages(GUEST) > 0 || rspProd() != rspCons()) {
            responses += drainResponses();
            transport.onEvent();
            while (sent < total && putRequest(XS_WRITE, sent, "data/flood/" + sent, "x")) {
                sent++;
            }
            transport.onEvent();
        }
        responses += drainResponses();
        assertEquals(total, tools.directory(HOME + "/data/flood").size());
        assertEquals(total, responses);
    }

    @Test
    void watchEventsPastTheByteQuotaAreDroppedAndTheGuestStillGetsLaterOnes() {
        int quota = 2048;
        connect(new XsQuota(1000, 2048, 128, 10, 20, quota));
        assertTrue(putRequest(XS_WATCH, 1, "data/w", "tok"));
        transport.onEvent();
        for (int i = 0; i < 300; i++) {
            tools.write(HOME + "/data/w", "value " + i);
            assertTrue(transport.pendingBytes() <= quota, "queued " + transport.pendingBytes() + " bytes");
        }
        long dropped = daemon.stats().watchEventsDropped();
        assertTrue(dropped > 0, "no event dropped");

        // Once the guest reads, new events reach it again; Dom0's own watches are never dropped.
        while (daemon.pendingMessages(GUEST) > 0 || rspProd() != rspCons()) {
            drainResponses();
            transport.onEvent();
        }
        tools.write(HOME + "/data/w", "after");
        assertEquals(1, drainResponses());
        assertEquals(dropped, daemon.stats().watchEventsDropped());
    }

    // ------------------------------------------------------------------ the guest's side

    private int reqCons() {
        return mem.getIntVolatile(page + XsRingTransport.REQ_CONS_OFFSET);
    }

    private int reqProd() {
        return mem.getIntVolatile(page + XsRingTransport.REQ_PROD_OFFSET);
    }

    private int rspCons() {
        return mem.getIntVolatile(page + XsRingTransport.RSP_CONS_OFFSET);
    }

    private int rspProd() {
        return mem.getIntVolatile(page + XsRingTransport.RSP_PROD_OFFSET);
    }

    /** Writes one request into the req ring if it fits whole; false if there is no room. */
    private boolean putRequest(int type, int reqId, String... args) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < args.length; i++) {
            body.writeBytes(args[i].getBytes(StandardCharsets.UTF_8));
            if (type != XS_WRITE || i < args.length - 1) {
                body.write(0); // XS_WRITE's value is not terminated
            }
        }
        byte[] payload = body.toByteArray();
        byte[] msg = new byte[16 + payload.length];
        putInt(msg, 0, type);
        putInt(msg, 4, reqId);
        putInt(msg, 8, 0);
        putInt(msg, 12, payload.length);
        System.arraycopy(payload, 0, msg, 16, payload.length);
        int prod = reqProd();
        if (XENSTORE_RING_SIZE - (prod - reqCons()) < msg.length) {
            return false;
        }
        for (int i = 0; i < msg.length; i++) {
            mem.putByte(page + XsRingTransport.REQ_OFFSET + ((prod + i) & (XENSTORE_RING_SIZE - 1)), msg[i]);
        }
        mem.putIntOrdered(page + XsRingTransport.REQ_PROD_OFFSET, prod + msg.length);
        return true;
    }

    /** Reads every whole message in the rsp ring; returns how many. */
    private int drainResponses() {
        int n = 0;
        while (true) {
            int cons = rspCons();
            int avail = rspProd() - cons;
            if (avail < 16) {
                return n; // nothing, or the start of a header whose rest is still queued
            }
            int len = 0;
            for (int i = 0; i < 4; i++) {
                len |= (mem.getByte(page + XsRingTransport.RSP_OFFSET + ((cons + 12 + i) & (XENSTORE_RING_SIZE - 1))) & 0xff) << (8 * i);
            }
            if (avail < 16 + len) {
                return n; // the rest is still queued in xenstored
            }
            mem.putIntOrdered(page + XsRingTransport.RSP_CONS_OFFSET, cons + 16 + len);
            n++;
        }
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}
