package dev.domus.sdk.event;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;
import dev.domus.sdk.hypercall.Hypervisor;

/**
 * Event channels of one domain as seen from one vCPU: binding, sending, closing, handler
 * registration, and blocking-style waits.
 *
 * <p>Pending and mask bits are the 2-level ABI's bitmaps in shared_info. A guest either
 * registers an {@link EventHandler} for a port and calls {@link #dispatch()} (the SDK's waits
 * do so), or waits on a port directly with {@link #waitFor(int)}; no callbacks are required.
 * Waits use {@code SCHEDOP_poll} over the awaited port plus every port with a handler, so a
 * vCPU sleeps until something it cares about happens, and a wait on a port that is not bound
 * fails at once instead of sleeping forever.
 *
 * <p>Not thread-safe: one vCPU (normally vCPU 0) drives an instance.
 */
public final class EventChannels {

    private static final int NR_PORTS = EVTCHN_2L_NR_CHANNELS;

    private final Hypervisor hv;
    private final GuestMemory memory;
    private final long pending;
    private final long mask;
    private final long vcpuInfo;
    private final Clock clock;
    private final EventHandler[] handlers = new EventHandler[NR_PORTS];
    private final boolean[] bound = new boolean[NR_PORTS];
    /** Times {@link #dispatch()} ran each port's handler: a wait on a port sees its event taken by the handler. */
    private final int[] handled = new int[NR_PORTS];
    private final int[] pollPorts = new int[128];
    private int maxPort = -1;

    public EventChannels(Hypervisor hv, long sharedInfo, int vcpuId, Clock clock) {
        this.hv = hv;
        this.memory = hv.memory();
        this.pending = sharedInfo + SHARED_INFO_EVTCHN_PENDING_OFFSET;
        this.mask = sharedInfo + SHARED_INFO_EVTCHN_MASK_OFFSET;
        this.vcpuInfo = sharedInfo + SHARED_INFO_VCPU_INFO_OFFSET + (long) vcpuId * VCPU_INFO_LENGTH;
        this.clock = clock;
    }

    public Clock clock() {
        return clock;
    }

    // ------------------------------------------------------------------ binding

    /** Allocates a port for {@code remoteDom} to bind to (the backend side of a split driver). */
    public int allocUnbound(int remoteDom) {
        return track(hv.evtchnAllocUnbound(remoteDom));
    }

    /** Binds to another domain's unbound port; returns the local port. */
    public int bindInterdomain(int remoteDom, int remotePort) {
        return track(hv.evtchnBindInterdomain(remoteDom, remotePort));
    }

    /** Binds a virtual IRQ (e.g. VIRQ_TIMER) on this vCPU. */
    public int bindVirq(int virq, int vcpu) {
        return track(hv.evtchnBindVirq(virq, vcpu));
    }

    /** Binds an IPI port to {@code vcpu}. */
    public int bindIpi(int vcpu) {
        return track(hv.evtchnBindIpi(vcpu));
    }

    /** Adopts a port the domain builder bound for us (xenstore, console). */
    public void adopt(int port) {
        checkRange(port, "adopt");
        track(port);
    }

    /** Closes a port; its handler is dropped and a wait on it will fail. */
    public void close(int port) {
        hv.evtchnClose(port);
        if (port >= 0 && port < NR_PORTS) {
            bound[port] = false;
            handlers[port] = null;
        }
    }

    /** Notifies the other end of {@code port}. A closed or foreign port fails with XEN_EINVAL. */
    public void send(int port) {
        hv.evtchnSend(port);
    }

    public void unmask(int port) {
        hv.evtchnUnmask(port);
    }

    /** Registers (or with {@code null} removes) the handler {@link #dispatch()} calls for {@code port}. */
    public void onEvent(int port, EventHandler handler) {
        checkBound(port, "onEvent");
        handlers[port] = handler;
    }

    public boolean isBound(int port) {
        return port >= 0 && port < NR_PORTS && bound[port];
    }

    // ------------------------------------------------------------------ pending bits

    public boolean isPending(int port) {
        return (memory.getLongVolatile(pending + 8L * (port >>> 6)) & (1L << (port & 63))) != 0;
    }

    /** Atomically clears {@code port}'s pending bit; true if it was set. */
    public boolean testAndClear(int port) {
        long word = pending + 8L * (port >>> 6);
        long bit = 1L << (port & 63);
        while (true) {
            long v = memory.getLongVolatile(word);
            if ((v & bit) == 0) {
                return false;
            }
            if (memory.compareAndSetLong(word, v, v & ~bit)) {
                return true;
            }
        }
    }

    /**
     * Runs the handler of every pending, unmasked port that has one (clearing its pending bit
     * first, so an event arriving during the handler is not lost). Returns how many ran.
     */
    public int dispatch() {
        memory.putByte(vcpuInfo + VCPU_INFO_EVTCHN_UPCALL_PENDING_OFFSET, (byte) 0);
        clearPendingSel();
        int ran = 0;
        int words = (maxPort >>> 6) + 1;
        for (int w = 0; w < words && maxPort >= 0; w++) {
            long bits = memory.getLongVolatile(pending + 8L * w) & ~memory.getLongVolatile(mask + 8L * w);
            while (bits != 0) {
                int b = Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                int port = (w << 6) | b;
                EventHandler h = handlers[port];
                if (h != null && testAndClear(port)) {
                    handled[port]++;
                    h.onEvent(port);
                    ran++;
                }
            }
        }
        return ran;
    }

    private void clearPendingSel() {
        long sel = vcpuInfo + VCPU_INFO_EVTCHN_PENDING_SEL_OFFSET;
        while (true) {
            long v = memory.getLongVolatile(sel);
            if (v == 0 || memory.compareAndSetLong(sel, v, 0)) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ waits

    /** Waits until {@code port} is pending (consuming the event), running other handlers meanwhile. */
    public void waitFor(int port) {
        waitFor(port, 0);
    }

    /**
     * Waits until {@code port} is pending or the absolute system time {@code deadlineNs}
     * passes ({@code 0}: forever). Returns true if the event came (and consumes it). A port
     * that is not bound fails at once with XEN_EINVAL rather than waiting forever.
     *
     * <p>If {@code port} has a handler, an event that {@link #dispatch()} hands to that
     * handler while we wait also ends the wait: the pending bit is gone then, and polling for
     * it would sleep until the deadline although the event came (the xenstore client lost
     * replies that way: its handler read the reply, and the request then timed out).
     */
    public boolean waitFor(int port, long deadlineNs) {
        checkBound(port, "waitFor");
        while (true) {
            if (testAndClear(port)) {
                return true;
            }
            int seen = handled[port];
            dispatch();
            if (handled[port] != seen || testAndClear(port)) {
                return true;
            }
            if (deadlineNs != 0 && clock.now() >= deadlineNs) {
                return false;
            }
            checkBound(port, "waitFor"); // a handler may have closed it
            int n = 0;
            pollPorts[n++] = port;
            for (int p = 0; p <= maxPort && n < pollPorts.length; p++) {
                if (handlers[p] != null && p != port) {
                    pollPorts[n++] = p;
                }
            }
            hv.poll(pollPorts, n, deadlineNs);
        }
    }

    /** Sleeps until any registered handler's port fires (running it) or the deadline passes. */
    public int waitForAny(long deadlineNs) {
        while (true) {
            int ran = dispatch();
            if (ran > 0) {
                return ran;
            }
            if (deadlineNs != 0 && clock.now() >= deadlineNs) {
                return 0;
            }
            int n = 0;
            for (int p = 0; p <= maxPort && n < pollPorts.length; p++) {
                if (handlers[p] != null) {
                    pollPorts[n++] = p;
                }
            }
            if (n == 0) {
                throw new XenException(XenErrno.XEN_EINVAL, "waitForAny", "no port has a handler; nothing could wake this vCPU");
            }
            hv.poll(pollPorts, n, deadlineNs);
        }
    }

    // ------------------------------------------------------------------ internals

    private int track(int port) {
        checkRange(port, "bind");
        bound[port] = true;
        if (port > maxPort) {
            maxPort = port;
        }
        return port;
    }

    private void checkBound(int port, String what) {
        checkRange(port, what);
        if (!bound[port]) {
            throw new XenException(XenErrno.XEN_EINVAL, what + "(port " + port + ")",
                    "port is not bound in this domain (closed, or never bound); waiting on it would never end");
        }
    }

    private static void checkRange(int port, String what) {
        if (port < 0 || port >= NR_PORTS) {
            throw new XenException(XenErrno.XEN_EINVAL, what + "(port " + port + ")", "ports are 0.." + (NR_PORTS - 1));
        }
    }
}
