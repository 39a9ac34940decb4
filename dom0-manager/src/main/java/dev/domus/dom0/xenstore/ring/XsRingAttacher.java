package dev.domus.dom0.xenstore.ring;

import dev.domus.dom0.xenstore.DomainRingAttacher;
import dev.domus.dom0.xenstore.XsConnection;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.dom0.xenstore.Xenstored;
import dev.domus.hv.boot.Dom0;

/**
 * Serves guests on their xenstore ring pages: on XS_INTRODUCE(domid, mfn, port) it maps the
 * guest's frame {@code mfn} into Dom0 (foreign mapping), binds Dom0 to the guest's event channel
 * {@code port} (the {@code store_mfn}/{@code store_evtchn} of the guest's start_info), connects a
 * {@link XsRingTransport} to the daemon as that domain and starts a {@link BackendThread}.
 * Everything goes through Dom0's gate.
 *
 * <pre>{@code
 * Xenstored xs = new Xenstored();
 * xs.ringAttacher(new XsRingAttacher(host.dom0()));
 * xs.introduceDomain(built.domid(), built.storePfn(), built.storePort());
 * ...
 * xs.releaseDomain(built.domid());   // before destroying the domain
 * }</pre>
 */
public final class XsRingAttacher implements DomainRingAttacher {

    private final Dom0 dom0;

    public XsRingAttacher(Dom0 dom0) {
        this.dom0 = dom0;
    }

    @Override
    public AutoCloseable attach(Xenstored daemon, int domid, long mfn, int port) {
        Dom0Calls calls = new Dom0Calls(dom0);
        long page;
        int local;
        try {
            page = calls.mapForeign(domid, mfn);
        } catch (Dom0CallException e) {
            calls.close();
            throw new XsError("EINVAL", e.getMessage());
        }
        try {
            local = calls.bindInterdomain(domid, port);
        } catch (Dom0CallException e) {
            calls.unmapForeign(page);
            calls.close();
            throw new XsError("EINVAL", e.getMessage());
        }
        XsRingTransport transport = new XsRingTransport(dom0.memory(), page, calls, local);
        BackendThread[] thread = new BackendThread[1];
        XsConnection conn = daemon.connect(domid, transport);
        Runnable cleanup = () -> {
            try {
                conn.close();
                calls.closePort(local);
                calls.unmapForeign(page);
            } finally {
                calls.close();
            }
        };
        thread[0] = new BackendThread("xenstored-ring-" + domid, calls, local, transport::onEvent, cleanup);
        // A connection the daemon drops (protocol violation, release) stops its thread too.
        transport.connect(conn, () -> thread[0].stop());
        thread[0].start();
        return thread[0];
    }
}
