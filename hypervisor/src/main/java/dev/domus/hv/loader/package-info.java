/**
 * The guest loader: how Domus keeps untrusted guest code (kernels and their copy of the domU
 * SDK) inside its domain. See DESIGN.md, "Guest isolation".
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link dev.domus.hv.loader.VerifyingKernelLoader} — the hypervisor's default
 *       {@code KernelLoader}: the Domus kernel domctl calls it; a refusal becomes
 *       {@code -XEN_ENOEXEC} with the verifier's message.</li>
 *   <li>{@link dev.domus.hv.loader.GuestImage#prepare} — verify (all classes, eagerly) and
 *       instrument a kernel with the SDK; {@link dev.domus.hv.loader.GuestImage.Mode#BARE}
 *       keeps the verified bytecode unrewritten, for the instrumentation benchmark.</li>
 *   <li>{@link dev.domus.hv.loader.GuestLoader#load} — a domain's own
 *       {@link dev.domus.hv.loader.GuestClassLoader} over an image, as a
 *       {@link dev.domus.hv.loader.LoadedGuest}.</li>
 *   <li>{@link dev.domus.hv.loader.GuestCodeSource} — a jar or class directory, the SDK
 *       found on the host class path, or the closure of a kernel class.</li>
 * </ul>
 *
 * <h2>Rules</h2>
 * {@link dev.domus.hv.loader.GuestAllowList} is the one list of host classes and members a
 * guest may use, with the reasons for each decision; {@link dev.domus.hv.loader.GuestVerifier}
 * applies it and the other rules; {@link dev.domus.hv.loader.GuestVerificationException}
 * names class, method, line and instruction of every refusal.
 *
 * <h2>Instrumentation and the vCPU contract</h2>
 * {@link dev.domus.hv.loader.GuestThread} is what the core's vCPU threads implement;
 * {@link dev.domus.hv.loader.GuestRuntime} is what instrumented code calls (safepoints at
 * back-edges and method entries, the call-depth bound, heap sampling against
 * {@link dev.domus.hv.loader.HeapQuota}, handler prologues);
 * {@link dev.domus.hv.loader.GuestTermination} ends a guest and cannot be caught by it.
 */
package dev.domus.hv.loader;
