/**
 * xenstored: Xen's configuration store, speaking the real {@code xs_wire} protocol.
 *
 * <p>{@link dev.domus.dom0.xenstore.Xenstored} is the daemon (node tree with Xen's n/r/w/b
 * permissions, watches, optimistic transactions, per-domain quotas). Its clients are
 * {@link dev.domus.dom0.xenstore.XsConnection}s, each a domid and a byte
 * {@link dev.domus.dom0.xenstore.XsTransport}:
 * <ul>
 *   <li>Dom0's tools on a Unix socket: {@link dev.domus.dom0.xenstore.XsUnixSocketServer}
 *       (the stock {@code xenstore-*} clients work with {@code XENSTORED_PATH});</li>
 *   <li>guests on their ring page: {@link dev.domus.dom0.xenstore.ring.XsRingAttacher}, set with
 *       {@link dev.domus.dom0.xenstore.Xenstored#ringAttacher}, attaches on XS_INTRODUCE;</li>
 *   <li>Java code in Dom0 (toolstack, backends, tests), as any domid:
 *       {@link dev.domus.dom0.xenstore.XsClient#connect(Xenstored, int)}.</li>
 * </ul>
 * Semantics follow C xenstored of Xen 4.17 where they differ from oxenstored (quota errors
 * are {@code ENOSPC}; a watch quota is {@code E2BIG}).
 */
package dev.domus.dom0.xenstore;
