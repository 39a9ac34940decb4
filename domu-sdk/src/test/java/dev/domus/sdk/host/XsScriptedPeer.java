package dev.domus.sdk.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.flyweight.XenstoreDomainInterfaceFlyweight;
import dev.domus.hv.boot.BuiltDomain;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The Dom0 end of a guest's xenstore ring for wire-level tests of the SDK's client: it maps
 * the ring page and binds the store event channel as xenstored does, asserts the exact
 * {@code xsd_sockmsg} bytes of each request (type, tx_id, payload) and writes scripted
 * answers. (Xenstored itself lives in dom0-manager, which depends on the SDK, so the SDK's
 * tests cannot start it; this checks the client against the xs_wire protocol instead.)
 */
final class XsScriptedPeer {

    private static final int REQ = XenstoreDomainInterfaceFlyweight.REQ_OFFSET;
    private static final int RSP = XenstoreDomainInterfaceFlyweight.RSP_OFFSET;
    private static final int REQ_CONS = XenstoreDomainInterfaceFlyweight.REQ_CONS_OFFSET;
    private static final int REQ_PROD = XenstoreDomainInterfaceFlyweight.REQ_PROD_OFFSET;
    private static final int RSP_CONS = XenstoreDomainInterfaceFlyweight.RSP_CONS_OFFSET;
    private static final int RSP_PROD = XenstoreDomainInterfaceFlyweight.RSP_PROD_OFFSET;

    /** One request as read off the ring. */
    record Request(int type, int reqId, int txId, String payload) {
    }

    private final TestHost host;
    private final GuestMemory mem;
    private final long ring;
    private final int port;

    private final TestHost.Guest guest;

    XsScriptedPeer(TestHost host, TestHost.Guest g) {
        BuiltDomain guest = g.built();
        this.guest = g;
        this.host = host;
        this.mem = host.dom0Memory();
        this.ring = host.mapForeign(guest.domid(), guest.storePfn());
        this.port = host.bindInterdomain(guest.domid(), guest.storePort());
    }

    /** Waits for the next complete request. */
    Request next() {
        while (true) {
            int cons = mem.getIntVolatile(ring + REQ_CONS);
            int prod = mem.getIntVolatile(ring + REQ_PROD);
            if (prod - cons >= 16) {
                int len = readInt(cons + 12);
                if (prod - cons >= 16 + len) {
                    byte[] p = new byte[len];
                    for (int i = 0; i < len; i++) {
                        p[i] = mem.getByte(ring + REQ + ((cons + 16 + i) & 1023));
                    }
                    Request r = new Request(readInt(cons), readInt(cons + 4), readInt(cons + 8),
                            new String(p, StandardCharsets.UTF_8));
                    mem.putIntOrdered(ring + REQ_CONS, cons + 16 + len);
                    host.notify(port);
                    return r;
                }
            }
            int flags = guest.flags();
            if (flags < 0 || (flags & (dev.domus.abi.Domctl.XEN_DOMINF_shutdown | dev.domus.abi.Domctl.XEN_DOMINF_dying)) != 0) {
                throw new AssertionError("domain " + guest.domid() + " stopped (reason " + guest.shutdownReason()
                        + ") while Dom0 waited for a xenstore request; console:\n" + guest.output());
            }
            host.waitOn(port);
        }
    }

    /** Waits for the next request, asserts its type and payload (NULs written as \0), returns it. */
    Request expect(int type, String payload) {
        Request r = next();
        assertEquals(type + " " + payload, r.type() + " " + r.payload(), "request " + r);
        return r;
    }

    /** Answers {@code to} with {@code type} and {@code payload}. */
    void reply(Request to, int type, String payload) {
        write(type, to.reqId(), to.txId(), payload);
    }

    /** Sends an unsolicited message (a watch event). */
    void write(int type, int reqId, int txId, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream msg = new ByteArrayOutputStream();
        for (int v : new int[] {type, reqId, txId, p.length}) {
            msg.write(v);
            msg.write(v >>> 8);
            msg.write(v >>> 16);
            msg.write(v >>> 24);
        }
        msg.writeBytes(p);
        byte[] b = msg.toByteArray();
        int prod = mem.getIntVolatile(ring + RSP_PROD);
        while (1024 - (prod - mem.getIntVolatile(ring + RSP_CONS)) < b.length) {
            host.waitOn(port);
        }
        for (int i = 0; i < b.length; i++) {
            mem.putByte(ring + RSP + ((prod + i) & 1023), b[i]);
        }
        mem.putIntOrdered(ring + RSP_PROD, prod + b.length);
        host.notify(port);
    }

    private int readInt(int idx) {
        int v = 0;
        for (int i = 3; i >= 0; i--) {
            v = v << 8 | (mem.getByte(ring + REQ + ((idx + i) & 1023)) & 0xff);
        }
        return v;
    }
}
