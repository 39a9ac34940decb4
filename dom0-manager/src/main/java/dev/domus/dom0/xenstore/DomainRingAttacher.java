package dev.domus.dom0.xenstore;

/**
 * How xenstored reaches a guest on XS_INTRODUCE: maps the guest's xenstore ring page
 * ({@code mfn}), binds its event channel ({@code port}), and connects the ring to the daemon
 * with {@link Xenstored#connect(int, XsTransport)}. Called with the daemon's lock held.
 */
@FunctionalInterface
public interface DomainRingAttacher {

    /**
     * @return what to close when the domain is released
     * @throws XsError (EINVAL, EACCES, ...) if the ring cannot be attached; nothing is introduced
     */
    AutoCloseable attach(Xenstored daemon, int domid, long mfn, int port);
}
