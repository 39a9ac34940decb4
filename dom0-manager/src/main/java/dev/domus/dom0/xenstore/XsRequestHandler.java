package dev.domus.dom0.xenstore;

import dev.domus.abi.XsWire;

import static dev.domus.abi.XsWire.*;

import dev.domus.abi.Xen;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Handles one request of one connection and sends its reply: the {@code xs_wire} message
 * types, their argument rules and error replies. Runs under the daemon's lock.
 */
final class XsRequestHandler {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(XsRequestHandler.class);

    private final Xenstored d;

    XsRequestHandler(Xenstored daemon) {
        this.d = daemon;
    }

    void handle(XsConnection c, int type, int reqId, int txId, byte[] payload) {
        byte[] reply;
        boolean initialWatchFire = false;
        d.stats().request(type);
        try {
            reply = switch (type) {
                case XS_READ -> d.store().read(c, view(c, txId), path(c, payload));
                case XS_WRITE -> write(c, txId, payload);
                case XS_MKDIR -> ok(() -> d.store().mkdir(c, view(c, txId), path(c, payload)));
                case XS_RM -> ok(() -> d.store().rm(c, view(c, txId), path(c, payload)));
                case XS_DIRECTORY -> directory(c, txId, payload);
                case XS_DIRECTORY_PART -> directoryPart(c, txId, payload);
                case XS_GET_PERMS -> getPerms(c, txId, payload);
                case XS_SET_PERMS -> setPerms(c, txId, payload);
                case XS_WATCH -> {
                    watch(c, payload);
                    initialWatchFire = true;
                    yield XsMessages.OK;
                }
                case XS_UNWATCH -> ok(() -> unwatch(c, payload));
                case XS_TRANSACTION_START -> transactionStart(c, txId, payload);
                case XS_TRANSACTION_END -> transactionEnd(c, txId, payload);
                case XS_INTRODUCE -> introduce(c, payload);
                case XS_RELEASE -> ok(() -> {
                    privileged(c);
                    d.releaseLocked(domid(XsMessages.args(payload, 1).get(0)));
                });
                case XS_RESUME -> ok(() -> {
                    privileged(c);
                    int domid = domid(XsMessages.args(payload, 1).get(0));
                    if (!d.isIntroducedLocked(domid)) {
                        throw XsError.enoent("domain " + domid);
                    }
                });
                case XS_SET_TARGET -> ok(() -> {
                    privileged(c);
                    List<String> a = XsMessages.args(payload, 2);
                    d.setTargetLocked(domid(a.get(0)), domid(a.get(1)));
                });
                case XS_GET_DOMAIN_PATH -> XsMessages.strings(
                        XsPaths.domainPath(domid(XsMessages.args(payload, 1).get(0))));
                case XS_IS_DOMAIN_INTRODUCED -> XsMessages.strings(
                        d.isIntroducedLocked(domid(XsMessages.args(payload, 1).get(0))) ? "T" : "F");
                case XS_RESET_WATCHES -> ok(() -> {
                    c.watches.clear();
                    c.transactions.clear();
                });
                case XS_CONTROL -> control(c, payload);
                default -> throw XsError.einval("unknown or client-forbidden message type " + type);
            };
        } catch (XsError e) {
            c.sendLocked(XsMessages.error(reqId, txId, e.errorName()));
            return;
        } catch (RuntimeException e) {
            // A bug here must not take the daemon (or this client's thread) down: answer EIO.
            LOG.error("xenstored: {} from domain {} failed", type, c.domid(), e);
            c.sendLocked(XsMessages.error(reqId, txId, "EIO"));
            return;
        }
        c.sendLocked(XsMessages.message(type, reqId, txId, reply));
        if (initialWatchFire) {
            List<String> a = XsMessages.split(payload);
            c.sendLocked(XsMessages.watchEvent(a.get(0), a.get(1)));
            d.stats().watchEvent();
        }
    }

    private interface Action {
        void run();
    }

    private static byte[] ok(Action a) {
        a.run();
        return XsMessages.OK;
    }

    private NodeView view(XsConnection c, int txId) {
        if (txId == 0) {
            return d.tree();
        }
        XsTransaction t = c.transactions.get(txId);
        if (t == null) {
            throw XsError.enoent("no transaction " + txId + " on this connection");
        }
        return t;
    }

    private static String path(XsConnection c, byte[] payload) {
        return XsPaths.canonical(c.domid(), XsMessages.args(payload, 1).get(0));
    }

    private static void privileged(XsConnection c) {
        if (!c.privileged()) {
            throw XsError.eacces("only Dom0 may do this");
        }
    }

    private static int domid(String text) {
        try {
            int id = Integer.parseInt(text);
            if (id < 0 || id >= Xen.DOMID_FIRST_RESERVED) {
                throw XsError.einval("domid out of range: " + text);
            }
            return id;
        } catch (NumberFormatException e) {
            throw XsError.einval("not a domid: " + text);
        }
    }

    private byte[] write(XsConnection c, int txId, byte[] payload) {
        int nul = -1;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                nul = i;
                break;
            }
        }
        if (nul < 0) {
            throw XsError.einval("XS_WRITE needs a NUL after the path");
        }
        String path = XsPaths.canonical(c.domid(), new String(payload, 0, nul, StandardCharsets.ISO_8859_1));
        byte[] value = Arrays.copyOfRange(payload, nul + 1, payload.length);
        d.store().write(c, view(c, txId), path, value);
        return XsMessages.OK;
    }

    private byte[] directory(XsConnection c, int txId, byte[] payload) {
        Node n = d.store().directory(c, view(c, txId), path(c, payload));
        if (n.childListLength() > XENSTORE_PAYLOAD_MAX) {
            throw new XsError("E2BIG", "directory listing exceeds XENSTORE_PAYLOAD_MAX; use XS_DIRECTORY_PART");
        }
        return XsMessages.strings(n.children);
    }

    /** C xenstored's format: generation, NUL, then children from byte offset; an empty name ends the list. */
    private byte[] directoryPart(XsConnection c, int txId, byte[] payload) {
        List<String> a = XsMessages.args(payload, 2);
        String path = XsPaths.canonical(c.domid(), a.get(0));
        int offset;
        try {
            offset = Integer.parseInt(a.get(1));
        } catch (NumberFormatException e) {
            throw XsError.einval("bad offset " + a.get(1));
        }
        if (offset < 0) {
            throw XsError.einval("bad offset " + offset);
        }
        Node n = d.store().directory(c, view(c, txId), path);
        byte[] all = XsMessages.strings(n.children);
        byte[] gen = (n.generation + "\0").getBytes(StandardCharsets.ISO_8859_1);
        if (offset >= all.length) {
            byte[] r = Arrays.copyOf(gen, gen.length + 1);
            return r;
        }
        int len = 0;
        while (offset + len < all.length) {
            int i = offset + len;
            int end = i;
            while (all[end] != 0) {
                end++;
            }
            int entry = end - i + 1;
            if (gen.length + len + entry + 1 > XENSTORE_PAYLOAD_MAX) {
                break;
            }
            len += entry;
        }
        boolean last = offset + len == all.length;
        byte[] r = new byte[gen.length + len + (last ? 1 : 0)];
        System.arraycopy(gen, 0, r, 0, gen.length);
        System.arraycopy(all, offset, r, gen.length, len);
        return r;
    }

    private byte[] getPerms(XsConnection c, int txId, byte[] payload) {
        List<String> out = new ArrayList<>();
        for (XsPermission p : d.store().getPerms(c, view(c, txId), path(c, payload))) {
            out.add(p.toString());
        }
        return XsMessages.strings(out);
    }

    private byte[] setPerms(XsConnection c, int txId, byte[] payload) {
        List<String> a = XsMessages.split(payload);
        if (a.size() < 2) {
            throw XsError.einval("XS_SET_PERMS needs a path and at least one permission");
        }
        String path = XsPaths.canonical(c.domid(), a.get(0));
        List<XsPermission> perms = XsPermission.parseList(a.subList(1, a.size()));
        d.store().setPerms(c, view(c, txId), path, perms);
        return XsMessages.OK;
    }

    private void watch(XsConnection c, byte[] payload) {
        List<String> a = XsMessages.args(payload, 2);
        String abs = XsPaths.canonicalWatch(c.domid(), a.get(0));
        boolean relative = a.get(0).charAt(0) != '/' && a.get(0).charAt(0) != '@';
        for (XsConnection.Watch w : c.watches) {
            if (w.path().equals(abs) && w.token().equals(a.get(1))) {
                throw new XsError("EEXIST", "watch already set");
            }
        }
        if (!c.privileged() && c.watches.size() >= d.store().quota().maxWatches()) {
            throw new XsError("E2BIG", "watch quota of " + d.store().quota().maxWatches() + " reached");
        }
        c.watches.add(new XsConnection.Watch(abs, a.get(1), relative));
    }

    private void unwatch(XsConnection c, byte[] payload) {
        List<String> a = XsMessages.args(payload, 2);
        String abs = XsPaths.canonicalWatch(c.domid(), a.get(0));
        boolean removed = c.watches.removeIf(w -> w.path().equals(abs) && w.token().equals(a.get(1)));
        if (!removed) {
            throw XsError.enoent("no such watch");
        }
    }

    private byte[] transactionStart(XsConnection c, int txId, byte[] payload) {
        if (txId != 0) {
            throw new XsError("EBUSY", "already in a transaction");
        }
        XsMessages.split(payload); // must be a NUL-terminated (empty) string
        if (!c.privileged() && c.transactions.size() >= d.store().quota().maxTransactions()) {
            throw new XsError("ENOSPC", "transaction quota of " + d.store().quota().maxTransactions() + " reached");
        }
        int id = d.newTransactionId();
        c.transactions.put(id, new XsTransaction(id, d.tree()));
        return XsMessages.strings(Integer.toUnsignedString(id));
    }

    private byte[] transactionEnd(XsConnection c, int txId, byte[] payload) {
        String arg = XsMessages.args(payload, 1).get(0);
        if (!arg.equals("T") && !arg.equals("F")) {
            throw XsError.einval("XS_TRANSACTION_END takes T (commit) or F (abort)");
        }
        XsTransaction t = c.transactions.remove(txId);
        if (t == null) {
            throw XsError.enoent("no transaction " + txId + " on this connection");
        }
        if (arg.equals("T")) {
            if (!t.canCommit()) {
                throw new XsError("EAGAIN", "a node the transaction used has changed");
            }
            t.commit();
        }
        return XsMessages.OK;
    }

    private byte[] introduce(XsConnection c, byte[] payload) {
        privileged(c);
        List<String> a = XsMessages.args(payload, 3);
        long mfn;
        int port;
        try {
            mfn = Long.parseUnsignedLong(a.get(1));
            port = Integer.parseInt(a.get(2));
        } catch (NumberFormatException e) {
            throw XsError.einval("XS_INTRODUCE takes domid, mfn, port as decimal numbers");
        }
        if (port <= 0) {
            throw XsError.einval("bad event channel port " + port);
        }
        d.introduceLocked(domid(a.get(0)), mfn, port);
        return XsMessages.OK;
    }

    /** A minimal XS_CONTROL: {@code check}, {@code quota}, {@code help}. */
    private byte[] control(XsConnection c, byte[] payload) {
        privileged(c);
        List<String> a = XsMessages.split(payload);
        if (a.isEmpty()) {
            throw XsError.einval("XS_CONTROL needs a command");
        }
        XsQuota q = d.store().quota();
        return switch (a.get(0)) {
            case "check" -> XsMessages.OK;
            case "quota" -> XsMessages.strings("nodes " + q.maxNodes() + "\nentry-size " + q.maxEntrySize()
                    + "\nwatches " + q.maxWatches() + "\ntransactions " + q.maxTransactions()
                    + "\noutstanding " + q.maxOutstanding() + "\nmemory " + q.maxPendingBytes() + "\n");
            case "help" -> XsMessages.strings("check\nquota\nhelp\n");
            default -> throw XsError.einval("unknown control command " + a.get(0));
        };
    }
}
