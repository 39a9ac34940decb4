/**
 * Dom0's side of guest rings, reached only through Dom0's hypercall gate and memory: the
 * xenstore ring transport ({@link dev.domus.dom0.xenstore.ring.XsRingTransport},
 * {@link dev.domus.dom0.xenstore.ring.XsRingAttacher}) and the plumbing any backend needs:
 * foreign mapping and interdomain event channels ({@link dev.domus.dom0.xenstore.ring.Dom0Calls})
 * and a thread that serves a ring on its event channel
 * ({@link dev.domus.dom0.xenstore.ring.BackendThread}). The console backend uses the same.
 */
package dev.domus.dom0.xenstore.ring;
