package dev.domus.dom0.xenstore;

/**
 * The byte channel behind one {@link XsConnection}: a Unix socket for Dom0's tools, a
 * guest's xenstore ring page, or an in-process pipe. The daemon hands it whole
 * {@code xsd_sockmsg} messages (header and payload).
 */
public interface XsTransport {

    /**
     * Queues one complete message for the peer. Called with the daemon's lock held, so it
     * must not wait for the peer: buffer, and give up on a peer that never reads.
     */
    void send(byte[] message);

    /** Messages queued for the peer that it has not taken yet (0 for transports that never queue). */
    default int pendingMessages() {
        return 0;
    }

    /** Bytes queued for the peer that it has not taken yet. */
    default int pendingBytes() {
        return 0;
    }

    /** The daemon is done with this connection (released domain, protocol violation, shutdown). */
    void close();
}
