package dev.domus.hv.hypercall;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import dev.domus.abi.EventChannelOp;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.hv.domain.Domain;
import dev.domus.hv.domain.DomainTable;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code __HYPERVISOR_event_channel_op(cmd, arg)} (event_channel.h), 2-level ABI:
 * alloc_unbound, bind_interdomain, bind_virq, bind_ipi, close, send, status, unmask. Each
 * struct is copied in once, validated, acted on, and its OUT fields copied back.
 * {@code dom} fields other than DOMID_SELF or the caller's own id are for Dom0 only.
 */
final class EventChannelHandler implements HypercallHandler {

    private static final int A = CallContext.ARG_OFFSET;

    private final DomainTable domains;

    EventChannelHandler(DomainTable domains) {
        this.domains = domains;
    }

    @Override
    public long handle(CallContext ctx, long cmd, long arg, long a3, long a4, long a5) {
        UnsafeBuffer b = ctx.buffer();
        Domain self = ctx.domain();
        int rc;
        switch ((int) cmd) {
            case EventChannelOp.EVTCHNOP_alloc_unbound: {
                // struct evtchn_alloc_unbound { domid_t dom @0, remote_dom @2; port @4 OUT }
                if ((rc = ctx.copyIn(arg, A, 8)) < 0) {
                    return rc;
                }
                Domain d = resolve(ctx, b.getShort(A, LITTLE_ENDIAN) & 0xffff);
                if (d == null) {
                    return lastError(ctx, b.getShort(A, LITTLE_ENDIAN) & 0xffff);
                }
                int remote = b.getShort(A + 2, LITTLE_ENDIAN) & 0xffff;
                if (remote == Xen.DOMID_SELF) {
                    remote = self.domid();
                }
                int port = d.events().allocUnbound(remote);
                if (port < 0) {
                    return port;
                }
                b.putInt(A + 4, port, LITTLE_ENDIAN);
                return ctx.copyOut(arg + 4, A + 4, 4);
            }
            case EventChannelOp.EVTCHNOP_bind_interdomain: {
                // { domid_t remote_dom @0; remote_port @4; local_port @8 OUT }
                if ((rc = ctx.copyIn(arg, A, 12)) < 0) {
                    return rc;
                }
                int rdom = b.getShort(A, LITTLE_ENDIAN) & 0xffff;
                int rport = b.getInt(A + 4, LITTLE_ENDIAN);
                Domain remote = domains.get(rdom == Xen.DOMID_SELF ? self.domid() : rdom);
                if (remote == null) {
                    return -XenErrno.XEN_ESRCH;
                }
                int port = self.events().bindInterdomain(remote.events(), rport);
                if (port < 0) {
                    return port;
                }
                b.putInt(A + 8, port, LITTLE_ENDIAN);
                return ctx.copyOut(arg + 8, A + 8, 4);
            }
            case EventChannelOp.EVTCHNOP_bind_virq: {
                // { virq @0; vcpu @4; port @8 OUT }
                if ((rc = ctx.copyIn(arg, A, 12)) < 0) {
                    return rc;
                }
                int virq = b.getInt(A, LITTLE_ENDIAN);
                int vcpu = b.getInt(A + 4, LITTLE_ENDIAN);
                int port = self.events().bindVirq(virq, vcpu);
                if (port < 0) {
                    return port;
                }
                b.putInt(A + 8, port, LITTLE_ENDIAN);
                return ctx.copyOut(arg + 8, A + 8, 4);
            }
            case EventChannelOp.EVTCHNOP_bind_ipi: {
                // { vcpu @0; port @4 OUT }
                if ((rc = ctx.copyIn(arg, A, 8)) < 0) {
                    return rc;
                }
                int port = self.events().bindIpi(b.getInt(A, LITTLE_ENDIAN));
                if (port < 0) {
                    return port;
                }
                b.putInt(A + 4, port, LITTLE_ENDIAN);
                return ctx.copyOut(arg + 4, A + 4, 4);
            }
            case EventChannelOp.EVTCHNOP_close:
                if ((rc = ctx.copyIn(arg, A, 4)) < 0) {
                    return rc;
                }
                return self.events().close(b.getInt(A, LITTLE_ENDIAN));
            case EventChannelOp.EVTCHNOP_send:
                if ((rc = ctx.copyIn(arg, A, 4)) < 0) {
                    return rc;
                }
                return self.events().send(b.getInt(A, LITTLE_ENDIAN));
            case EventChannelOp.EVTCHNOP_unmask:
                if ((rc = ctx.copyIn(arg, A, 4)) < 0) {
                    return rc;
                }
                return self.events().unmask(b.getInt(A, LITTLE_ENDIAN));
            case EventChannelOp.EVTCHNOP_status: {
                // { domid_t dom @0; port @4; status @8 OUT; vcpu @12 OUT; union u @16 OUT (8) }
                if ((rc = ctx.copyIn(arg, A, 24)) < 0) {
                    return rc;
                }
                int dom = b.getShort(A, LITTLE_ENDIAN) & 0xffff;
                Domain d = resolve(ctx, dom);
                if (d == null) {
                    return lastError(ctx, dom);
                }
                int[] out = new int[4];
                rc = d.events().status(b.getInt(A + 4, LITTLE_ENDIAN), out);
                if (rc < 0) {
                    return rc;
                }
                b.putInt(A + 8, out[0], LITTLE_ENDIAN);
                b.putInt(A + 12, out[1], LITTLE_ENDIAN);
                b.putLong(A + 16, 0L);
                if (out[0] == EventChannelOp.EVTCHNSTAT_unbound) {
                    b.putShort(A + 16, (short) out[2], LITTLE_ENDIAN);
                } else if (out[0] == EventChannelOp.EVTCHNSTAT_interdomain) {
                    b.putShort(A + 16, (short) out[2], LITTLE_ENDIAN);
                    b.putInt(A + 20, out[3], LITTLE_ENDIAN);
                } else if (out[0] == EventChannelOp.EVTCHNSTAT_virq) {
                    b.putInt(A + 16, out[2], LITTLE_ENDIAN);
                }
                return ctx.copyOut(arg + 8, A + 8, 16);
            }
            default:
                return -XenErrno.XEN_ENOSYS;
        }
    }

    /** DOMID_SELF or the caller's own id; another domain only for Dom0. Null on error. */
    private Domain resolve(CallContext ctx, int dom) {
        if (dom == Xen.DOMID_SELF || dom == ctx.domain().domid()) {
            return ctx.domain();
        }
        if (!ctx.privileged()) {
            return null;
        }
        return domains.get(dom);
    }

    private long lastError(CallContext ctx, int dom) {
        return ctx.privileged() ? -XenErrno.XEN_ESRCH : -XenErrno.XEN_EPERM;
    }
}
