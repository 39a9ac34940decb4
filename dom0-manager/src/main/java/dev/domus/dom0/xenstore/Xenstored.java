package dev.domus.dom0.xenstore;

import dev.domus.abi.Xen;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The xenstore daemon: the node tree, watches, transactions and the domains it knows, shared
 * by every connection whatever its transport.
 *
 * <p>Use: {@code new Xenstored()}, then {@link #connect(int, XsTransport)} for each client
 * (domid 0 for Dom0's tools, which are privileged; a guest's domid for its ring), or serve Dom0's
 * tools on a Unix socket with {@link XsUnixSocketServer}, or talk to it from Java with
 * {@link XsClient#connect(Xenstored, int)}. Requests are handled one at a time under one lock.
 */
public final class Xenstored implements AutoCloseable {

    private final Object lock = new Object();
    private final XsStore store;
    private final NodeTree tree;
    private final XsRequestHandler handler;
    private final XsStats stats = new XsStats();
    private final List<XsConnection> connections = new ArrayList<>();
    private final Map<Integer, IntroducedDomain> domains = new LinkedHashMap<>();
    private DomainRingAttacher ringAttacher;
    /** Rings of released domains, closed once the lock is let go (their threads may need it). */
    private final List<AutoCloseable> detached = new ArrayList<>();
    private int nextTransactionId = 1;
    private boolean shutdown;

    /** A daemon with Xen's default quotas. */
    public Xenstored() {
        this(XsQuota.DEFAULT);
    }

    public Xenstored(XsQuota quota) {
        this.store = new XsStore(quota);
        this.tree = new NodeTree(this::fireWatches);
        this.handler = new XsRequestHandler(this);
    }

    /**
     * Opens a connection for {@code domid} over {@code transport}. Domid 0 is privileged
     * (permissions and quotas do not apply), every other domid is checked.
     */
    public XsConnection connect(int domid, XsTransport transport) {
        if (domid < 0 || domid >= Xen.DOMID_FIRST_RESERVED) {
            throw new IllegalArgumentException("not a domain id a connection can have: " + domid);
        }
        synchronized (lock) {
            if (shutdown) {
                throw new IllegalStateException("xenstored is shut down");
            }
            XsConnection c = new XsConnection(this, domid, transport);
            connections.add(c);
            return c;
        }
    }

    /**
     * Sets how XS_INTRODUCE reaches a guest's ring page (the guest transport). Without one,
     * an introduced domain is known (IS_DOMAIN_INTRODUCED, {@code @introduceDomain}) but has no
     * ring connection: it can only be served through {@link #connect}.
     */
    public void ringAttacher(DomainRingAttacher attacher) {
        synchronized (lock) {
            this.ringAttacher = attacher;
        }
    }

    /** Dom0's XS_INTRODUCE from Java: the same as sending the message as domid 0. */
    public void introduceDomain(int domid, long mfn, int port) {
        synchronized (lock) {
            introduceLocked(domid, mfn, port);
        }
    }

    /** Dom0's XS_RELEASE from Java. ENOENT if the domain was never introduced. */
    public void releaseDomain(int domid) {
        try {
            synchronized (lock) {
                releaseLocked(domid);
            }
        } finally {
            closeDetached();
        }
    }

    public boolean isDomainIntroduced(int domid) {
        synchronized (lock) {
            return domid == 0 || domains.containsKey(domid);
        }
    }

    /** Number of nodes in the tree (for tests and {@code domus info}). */
    public int nodeCount() {
        synchronized (lock) {
            return tree.size();
        }
    }

    /** The quotas unprivileged domains run under. */
    public XsQuota quota() {
        return store.quota();
    }

    /** Messages queued for {@code domid}'s connections that it has not read. */
    public int pendingMessages(int domid) {
        synchronized (lock) {
            int n = 0;
            for (XsConnection c : connections) {
                if (c.domid() == domid) {
                    n += c.pendingMessages();
                }
            }
            return n;
        }
    }

    /** Open connections, of every transport. */
    public int connectionCount() {
        synchronized (lock) {
            return connections.size();
        }
    }

    /** Closes every connection. The daemon refuses new ones afterwards. */
    @Override
    public void close() {
        synchronized (lock) {
            shutdown = true;
            for (XsConnection c : new ArrayList<>(connections)) {
                c.markClosedLocked();
            }
            connections.clear();
            for (IntroducedDomain d : domains.values()) {
                d.detach(detached);
            }
            domains.clear();
        }
        closeDetached();
    }

    private void closeDetached() {
        List<AutoCloseable> rings;
        synchronized (lock) {
            if (detached.isEmpty()) {
                return;
            }
            rings = new ArrayList<>(detached);
            detached.clear();
        }
        for (AutoCloseable r : rings) {
            try {
                r.close();
            } catch (Exception e) {
                // The domain is going away; its ring is of no further use.
            }
        }
    }

    // ---------------------------------------------------------------- connection callbacks

    void handle(XsConnection c, int type, int reqId, int txId, byte[] payload) {
        synchronized (lock) {
            if (c.closedLocked()) {
                return;
            }
            handler.handle(c, type, reqId, txId, payload);
        }
        closeDetached();
    }

    void protocolViolation(XsConnection c, int reqId, int txId, String error) {
        synchronized (lock) {
            if (!c.closedLocked()) {
                c.sendLocked(XsMessages.error(reqId, txId, error));
                disconnectLocked(c);
            }
        }
    }

    void disconnect(XsConnection c) {
        synchronized (lock) {
            disconnectLocked(c);
        }
    }

    int targetOf(int domid) {
        // Called under the lock from request handling.
        IntroducedDomain d = domains.get(domid);
        return d == null ? -1 : d.target;
    }

    // ---------------------------------------------------------------- state, under the lock

    XsStore store() {
        return store;
    }

    NodeTree tree() {
        return tree;
    }

    int newTransactionId() {
        int id = nextTransactionId++;
        if (nextTransactionId <= 0) {
            nextTransactionId = 1;
        }
        return id;
    }

    void disconnectLocked(XsConnection c) {
        c.markClosedLocked();
        connections.remove(c);
    }

    void introduceLocked(int domid, long mfn, int port) {
        if (domid <= 0 || domid >= Xen.DOMID_FIRST_RESERVED) {
            throw XsError.einval("cannot introduce domain " + domid);
        }
        IntroducedDomain existing = domains.get(domid);
        if (existing != null) {
            if (existing.mfn != mfn || existing.port != port) {
                throw XsError.einval("domain " + domid + " is already introduced with another ring");
            }
            return; // Xen: re-introducing with the same ring is harmless
        }
        IntroducedDomain d = new IntroducedDomain(domid, mfn, port);
        if (ringAttacher != null) {
            d.ring = ringAttacher.attach(this, domid, mfn, port);
        }
        domains.put(domid, d);
        fireSpecial(XsPaths.INTRODUCE_DOMAIN);
    }

    void releaseLocked(int domid) {
        IntroducedDomain d = domains.remove(domid);
        if (d == null) {
            throw XsError.enoent("domain " + domid + " is not introduced");
        }
        d.detach(detached);
        fireSpecial(XsPaths.RELEASE_DOMAIN);
    }

    void setTargetLocked(int domid, int target) {
        IntroducedDomain d = domains.get(domid);
        if (d == null || !domains.containsKey(target)) {
            throw XsError.enoent("both domains must be introduced");
        }
        d.target = target;
    }

    boolean isIntroducedLocked(int domid) {
        return domid == 0 || domains.containsKey(domid);
    }

    /** Requests by type and watch events sent so far. */
    public XsStats stats() {
        return stats;
    }

    /** Fires the watches a change in the live tree triggers. */
    private void fireWatches(WatchEvent e) {
        for (XsConnection c : connections) {
            if (!XsStore.may(c, e.perms(), false)) {
                continue;
            }
            for (XsConnection.Watch w : c.watches) {
                String eventPath;
                if (XsPaths.isAtOrBelow(e.path(), w.path())) {
                    eventPath = e.path();
                } else if (e.subtreeRemoved() && XsPaths.isAtOrBelow(w.path(), e.path())) {
                    eventPath = w.path();
                } else {
                    continue;
                }
                sendEventLocked(c, XsMessages.watchEvent(clientPath(c, w, eventPath), w.token()));
            }
        }
    }

    /**
     * Queues a watch event, unless the client already has its byte quota of output it has not
     * read: then the event is dropped, as C xenstored drops events past a domain's hard memory
     * quota (XSA-326), so nobody can make xenstored hold unbounded memory for a guest that
     * does not read.
     */
    private void sendEventLocked(XsConnection c, byte[] event) {
        if (!c.privileged() && c.pendingBytes() + event.length > store.quota().maxPendingBytes()) {
            stats.watchEventDropped();
            return;
        }
        c.sendLocked(event);
        stats.watchEvent();
    }

    /** {@code @introduceDomain} and {@code @releaseDomain} go to privileged watchers only. */
    private void fireSpecial(String special) {
        for (XsConnection c : connections) {
            if (!c.privileged()) {
                continue;
            }
            for (XsConnection.Watch w : c.watches) {
                if (w.path().equals(special)) {
                    c.sendLocked(XsMessages.watchEvent(special, w.token()));
                    stats.watchEvent();
                }
            }
        }
    }

    /** A relative watch reports paths relative to the watcher's home, as Xen does. */
    static String clientPath(XsConnection c, XsConnection.Watch w, String absPath) {
        if (w.relative()) {
            String home = XsPaths.domainPath(c.domid()) + "/";
            if (absPath.startsWith(home)) {
                return absPath.substring(home.length());
            }
        }
        return absPath;
    }

    List<XsConnection> connectionsLocked() {
        return Collections.unmodifiableList(connections);
    }

    /** A domain Dom0 introduced: its ring page, event channel, and the ring connection if attached. */
    private static final class IntroducedDomain {
        final int domid;
        final long mfn;
        final int port;
        int target = -1;
        AutoCloseable ring;

        IntroducedDomain(int domid, long mfn, int port) {
            this.domid = domid;
            this.mfn = mfn;
            this.port = port;
        }

        void detach(List<AutoCloseable> toClose) {
            if (ring != null) {
                toClose.add(ring);
                ring = null;
            }
        }
    }
}
