package dev.domus.abi;

/**
 * A domain's one way into the hypervisor: the equivalent of the {@code syscall}
 * instruction a Xen PV guest executes.
 *
 * <p>Each domain is handed exactly one gate when it boots. The hypervisor takes the caller's
 * identity (domain and vCPU) from the gate itself, never from an argument, so a gate cannot
 * be used to act as another domain, and a guest has no way to construct one.
 *
 * <p>Arguments are what Xen passes in registers: integers, or guest-physical addresses of
 * structs in the caller's own memory. The result is {@code >= 0} on success or a negated
 * {@link XenErrno} value, exactly as on Xen.
 */
public interface HypercallGate {

    /**
     * Makes a synchronous hypercall on the calling vCPU.
     *
     * @param op one of the {@link Hypercalls} numbers
     * @return {@code >= 0} on success, {@code -XEN_E*} on failure
     */
    long call(int op, long a1, long a2, long a3, long a4, long a5);

    default long call(int op) {
        return call(op, 0, 0, 0, 0, 0);
    }

    default long call(int op, long a1) {
        return call(op, a1, 0, 0, 0, 0);
    }

    default long call(int op, long a1, long a2) {
        return call(op, a1, a2, 0, 0, 0);
    }

    default long call(int op, long a1, long a2, long a3) {
        return call(op, a1, a2, a3, 0, 0);
    }
}
