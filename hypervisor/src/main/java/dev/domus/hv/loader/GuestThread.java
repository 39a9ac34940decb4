package dev.domus.hv.loader;

/**
 * What a thread that runs guest code must be: the contract between the guest loader's
 * instrumentation and the core's vCPU threads.
 *
 * <p>Every instrumented guest method calls {@link GuestRuntime} at its entry and at every
 * loop back-edge. That call reads {@link #safepointRequested()} of the current thread (a
 * volatile read, nothing else, on the fast path) and, when it is set, calls
 * {@link #atSafepoint()}. So the hypervisor preempts, pauses or kills a guest by setting
 * the flag and waiting for the guest to reach its next safepoint, which it reaches within a
 * bounded amount of straight-line code even in {@code while (true) {}}.
 *
 * <p>Every exception handler of guest code (catch and finally) starts with a call that
 * rethrows when {@link #killRequested()} is true or the throwable is a
 * {@link VirtualMachineError} or a {@link GuestTermination}: no guest can catch its way out
 * of being destroyed, of its heap quota or of its stack bound.
 *
 * <p>Guest code running on a thread that is not a {@code GuestThread} runs unchecked (no
 * preemption, no quota): only benchmarks should do that. The hypervisor runs guest code
 * only on its vCPU threads.
 *
 * <p>How the core's vCPU thread reacts to what escapes the guest's entry point:
 * <ul>
 *   <li>{@link GuestTermination} with {@link GuestTermination.Reason#KILLED}: the domain is
 *       being destroyed; the thread ends quietly;</li>
 *   <li>any other {@code GuestTermination}, a {@link StackOverflowError}, an
 *       {@link OutOfMemoryError} or any other throwable: the domain crashes (its
 *       {@code on_crash} action applies); the host carries on.</li>
 * </ul>
 * Create vCPU threads with a stack of at least {@link #RECOMMENDED_STACK_SIZE} bytes so
 * that the instrumentation's depth bound ({@link GuestThreadState#DEFAULT_MAX_DEPTH}) is
 * reached before the JVM's own stack overflow.
 */
public interface GuestThread {

    /** Stack size, in bytes, to give {@code new Thread(group, task, name, stackSize)}. */
    long RECOMMENDED_STACK_SIZE = 4L << 20;

    /**
     * True when the hypervisor wants this vCPU to stop at its next safepoint (end of slice,
     * pause, destroy). Must be a plain volatile read: it is called at every guest loop
     * back-edge and method entry.
     */
    boolean safepointRequested();

    /**
     * Called by the instrumentation on this thread when {@link #safepointRequested()} was
     * true. It gives the pCPU run token back and waits for it again (preemption), parks while
     * the vCPU or its domain is paused, and throws {@link GuestTermination#killed()} when the
     * domain is being destroyed. It returns normally when the guest may run on, and it clears
     * the request itself once served. It must throw nothing but {@code GuestTermination}.
     */
    void atSafepoint();

    /**
     * True once the domain is being destroyed: guest exception handlers then throw
     * {@link GuestTermination#killed()} instead of running.
     */
    boolean killRequested();

    /**
     * This thread's instrumentation state (call depth, allocation sampling, the domain's
     * heap quota). Always the same object for a thread; see
     * {@link GuestThreadState#GuestThreadState(HeapQuota)}.
     */
    GuestThreadState guestState();
}
