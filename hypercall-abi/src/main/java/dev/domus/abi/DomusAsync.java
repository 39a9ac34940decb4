package dev.domus.abi;

/**
 * The Domus extension to Xen's ABI: asynchronous hypercalls through a shared ring,
 * {@code __HYPERVISOR_domus_async_op} (= {@value Hypercalls#__HYPERVISOR_domus_async_op}, a
 * number Xen 4.17 leaves unassigned). Not part of Xen; documented here and in the ABI dump.
 *
 * <h2>The ring</h2>
 * An {@code io/ring.h} shared ring in the guest's own memory: the standard 64-byte sring
 * header ({@code req_prod, req_event, rsp_prod, rsp_event}, then padding; the same layout as
 * {@code blkif_sring}), followed by {@code 64}-byte slots. Each slot is a union of one request
 * and one response, as in every io/ring.h ring, so a ring of {@code n} pages holds
 * {@code __RING_SIZE = 2^floor(log2((n * 4096 - 64) / 64))} entries (32 for one page).
 * <pre>
 * struct domus_async_request {       struct domus_async_response {
 *     uint64_t id;      // IN   0        uint64_t id;      // OUT  0  (the request's id)
 *     uint32_t op;      // IN   8        int64_t  result;  // OUT  8  (>= 0 or -XEN_E*)
 *     uint32_t pad;     //      12       uint8_t  pad[48]; //      16
 *     uint64_t args[5]; // IN   16   };
 *     uint64_t pad2;    //      56
 * };
 * </pre>
 * {@code op} is a hypercall number and {@code args} its five arguments, exactly as for a
 * synchronous {@link HypercallGate#call}; {@code id} is the guest's own tag, echoed back.
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li>The guest writes requests, advances {@code req_prod} (store-release) and, when
 *       {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY} says so, calls
 *       {@link #DOMUS_ASYNC_notify}. It keeps running meanwhile.</li>
 *   <li>The hypervisor consumes requests in ring order and runs them one at a time per ring,
 *       as the registering domain (same privileges, same checks as a synchronous call), then
 *       writes each response in the same order and raises the ring's event channel when
 *       {@code rsp_event} asks for it (io/ring.h thresholds: no event per call on a busy
 *       ring).</li>
 *   <li>Back-pressure: a full ring is the guest's to see ({@code RING_FULL}); the hypervisor
 *       never overwrites unconsumed responses, and stops consuming requests while no
 *       response slot is free.</li>
 *   <li>A request that fails (a bad address gives {@code -XEN_EFAULT}, an unknown op
 *       {@code -XEN_ENOSYS}) fails alone: its response carries the error and the following
 *       requests still run. {@code __HYPERVISOR_domus_async_op} itself is refused inside a
 *       ring with {@code -XEN_EINVAL}.</li>
 *   <li>A ring whose indexes are inconsistent (more requests claimed than the ring holds) is
 *       treated as hostile: the hypervisor stops serving it and the notify call returns
 *       {@code -XEN_EINVAL}.</li>
 *   <li>When the domain is destroyed or the ring unregistered, requests not yet consumed are
 *       not run; the one running completes.</li>
 * </ul>
 */
public final class DomusAsync {

    private DomusAsync() {
    }

    /**
     * Registers a ring. The guest initialises it first ({@code SHARED_RING_INIT}).
     * IN: a1 = guest-physical address of the ring (page-aligned, the caller's own memory),
     * a2 = its size in pages (a power of two, 1 to {@link #DOMUS_ASYNC_MAX_RING_PAGES}),
     * a3 = a port of the caller's, already bound, on which the hypervisor raises
     * completions. DOMID_SELF only.
     * Returns the ring handle (&gt;= 0). Errors: {@code -XEN_EINVAL} (misaligned address, bad
     * size, port not bound), {@code -XEN_EFAULT} (memory not the caller's),
     * {@code -XEN_ENOSPC} (already {@link #DOMUS_ASYNC_MAX_RINGS} rings).
     */
    public static final int DOMUS_ASYNC_register = 0;

    /**
     * Unregisters a ring. IN: a1 = ring handle. Requests not yet consumed are not run.
     * Errors: {@code -XEN_EINVAL} (no such handle).
     */
    public static final int DOMUS_ASYNC_unregister = 1;

    /**
     * Tells the hypervisor that requests were posted (the "kick", as EVTCHNOP_send is to a
     * backend). IN: a1 = ring handle. Returns 0 at once; the requests run asynchronously.
     * Errors: {@code -XEN_EINVAL} (no such handle, or a ring found inconsistent).
     */
    public static final int DOMUS_ASYNC_notify = 2;

    /** Largest ring, in pages. */
    public static final int DOMUS_ASYNC_MAX_RING_PAGES = 16;

    /** Most rings one domain may register. */
    public static final int DOMUS_ASYNC_MAX_RINGS = 8;

    /** Size of one ring slot (a request or a response). */
    public static final int DOMUS_ASYNC_SLOT_SIZE = 64;

    /** Number of hypercall arguments a request carries. */
    public static final int DOMUS_ASYNC_NR_ARGS = 5;
}
