package dev.domus.sdk.hypercall;

import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;

/**
 * Builds a batch of hypercalls as an array of {@code multicall_entry} in guest memory and
 * submits it with one {@code __HYPERVISOR_multicall}. Each entry's result is written back by
 * the hypervisor; read it with {@link #result(int)} (a negative {@code -XEN_E*} for an entry
 * that failed: entries fail alone) or {@link #check(int)}.
 *
 * <pre>{@code
 * MulticallBuilder mc = new MulticallBuilder(gate, memory, page, 64);
 * mc.add(__HYPERVISOR_xen_version, XENVER_version).add(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
 * mc.submit();
 * long version = mc.check(0);
 * }</pre>
 *
 * <p>The builder owns its region of guest memory ({@code capacity * 64} bytes); reusable
 * after {@link #reset()}; allocates nothing.
 */
public final class MulticallBuilder {

    private final HypercallGate gate;
    private final GuestMemory memory;
    private final long entries;
    private final int capacity;
    private int count;
    private boolean submitted;

    public MulticallBuilder(HypercallGate gate, GuestMemory memory, long address, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.gate = gate;
        this.memory = memory;
        this.entries = address;
        this.capacity = capacity;
    }

    public int size() {
        return count;
    }

    public int capacity() {
        return capacity;
    }

    /** Appends one call; args beyond those given are 0. Throws {@code XEN_E2BIG} when full. */
    public MulticallBuilder add(int op, long... args) {
        if (args.length > 6) {
            throw new XenException(XenErrno.XEN_EINVAL, "MulticallBuilder.add", "at most 6 arguments, got " + args.length);
        }
        if (count == capacity) {
            throw new XenException(XenErrno.XEN_E2BIG, "MulticallBuilder.add",
                    "batch holds " + capacity + " entries; submit or build a larger one");
        }
        if (submitted) {
            reset();
        }
        long e = entries + (long) count * MULTICALL_ENTRY_LENGTH;
        memory.putLong(e + MULTICALL_ENTRY_OP_OFFSET, op);
        memory.putLong(e + MULTICALL_ENTRY_RESULT_OFFSET, 0);
        for (int i = 0; i < 6; i++) {
            memory.putLong(e + MULTICALL_ENTRY_ARGS_OFFSET + 8L * i, i < args.length ? args[i] : 0);
        }
        count++;
        return this;
    }

    /** Submits the batch; throws only if the multicall itself failed (not for one entry). */
    public void submit() {
        if (count == 0) {
            submitted = true;
            return;
        }
        XenException.check(gate.call(Hypercalls.__HYPERVISOR_multicall, entries, count), "multicall(" + count + " entries)");
        submitted = true;
    }

    /** The result the hypervisor wrote for entry {@code i}. */
    public long result(int i) {
        if (!submitted || i < 0 || i >= count) {
            throw new IllegalStateException(submitted ? "no entry " + i + " (batch of " + count + ")" : "batch not submitted yet");
        }
        return memory.getLong(entries + (long) i * MULTICALL_ENTRY_LENGTH + MULTICALL_ENTRY_RESULT_OFFSET);
    }

    /** The result of entry {@code i}, or throws its error. */
    public long check(int i) {
        long r = result(i);
        if (r < 0) {
            int op = (int) memory.getLong(entries + (long) i * MULTICALL_ENTRY_LENGTH + MULTICALL_ENTRY_OP_OFFSET);
            throw new XenException((int) -r, "multicall entry " + i + " (hypercall " + op + ")");
        }
        return r;
    }

    public void reset() {
        count = 0;
        submitted = false;
    }
}
