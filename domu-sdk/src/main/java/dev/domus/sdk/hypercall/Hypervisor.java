package dev.domus.sdk.hypercall;

import static dev.domus.abi.Hypercalls.*;
import static dev.domus.sdk.internal.Abi.*;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.Xen;
import dev.domus.abi.XenErrno;
import dev.domus.sdk.XenException;

/**
 * Typed wrappers for the hypercalls a guest makes: version, sched, timers, console, memory,
 * event channels and grant tables. Each method marshals its Xen struct into a scratch page of
 * guest memory, makes the call through the domain's gate and returns the result, or throws
 * {@link XenException} naming the operation and the Xen error.
 *
 * <p>One instance per vCPU: the scratch page belongs to the calling vCPU, so two vCPUs must not
 * share an instance. The success paths allocate nothing.
 */
public final class Hypervisor {

    /** Bytes of scratch the wrappers use; the caller hands in one page. */
    public static final int SCRATCH_BYTES = Xen.PAGE_SIZE;
    /** Where variable-length arrays (PFN lists, ports, text) start within the scratch page. */
    private static final int ARRAY_OFFSET = 256;
    /** How many 8-byte PFNs fit after {@link #ARRAY_OFFSET}. */
    public static final int MAX_PFNS_PER_CALL = (SCRATCH_BYTES - ARRAY_OFFSET) / 8;

    private final HypercallGate gate;
    private final GuestMemory memory;
    private final long scratch;
    private final long array;

    /**
     * @param scratchAddress guest-physical address of a page-aligned page this vCPU owns
     */
    public Hypervisor(HypercallGate gate, GuestMemory memory, long scratchAddress) {
        if ((scratchAddress & (Xen.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("scratch page must be page-aligned: 0x" + Long.toHexString(scratchAddress));
        }
        this.gate = gate;
        this.memory = memory;
        this.scratch = scratchAddress;
        this.array = scratchAddress + ARRAY_OFFSET;
    }

    public HypercallGate gate() {
        return gate;
    }

    public GuestMemory memory() {
        return memory;
    }

    /** Raw call, for ops without a wrapper: returns the result or throws. */
    public long call(int op, long a1, long a2, long a3, long a4, long a5, String what) {
        return XenException.check(gate.call(op, a1, a2, a3, a4, a5), what);
    }

    // ------------------------------------------------------------------ version

    /** XENVER_version: {@code major << 16 | minor}. */
    public int xenVersion() {
        return (int) XenException.check(gate.call(__HYPERVISOR_xen_version, XENVER_version, 0), "XENVER_version");
    }

    /** XENVER_extraversion: the 16-byte extra version string (".0-domus" or similar). */
    public String extraVersion() {
        memory.setMemory(scratch, 16, (byte) 0);
        XenException.check(gate.call(__HYPERVISOR_xen_version, XENVER_extraversion, scratch), "XENVER_extraversion");
        return readCString(scratch, 16);
    }

    // ------------------------------------------------------------------ sched

    /** SCHEDOP_yield: give the pCPU to another runnable vCPU. */
    public void yield() {
        XenException.check(gate.call(__HYPERVISOR_sched_op, SCHEDOP_yield, 0), "SCHEDOP_yield");
    }

    /** SCHEDOP_block: sleep until an event is pending for this vCPU (returns at once if one is). */
    public void block() {
        XenException.check(gate.call(__HYPERVISOR_sched_op, SCHEDOP_block, 0), "SCHEDOP_block");
    }

    /**
     * SCHEDOP_poll on one port: sleep until it is pending or the absolute system time
     * {@code timeoutNs} passes ({@code 0}: no timeout).
     */
    public void poll(int port, long timeoutNs) {
        memory.putInt(array, port);
        pollArray(1, timeoutNs);
    }

    /** SCHEDOP_poll on {@code ports[0..count)}: returns when any is pending or at the timeout. */
    public void poll(int[] ports, int count, long timeoutNs) {
        if (count <= 0 || count > 128) {
            throw new XenException(XenErrno.XEN_EINVAL, "SCHEDOP_poll", count + " ports (1..128)");
        }
        for (int i = 0; i < count; i++) {
            memory.putInt(array + 4L * i, ports[i]);
        }
        pollArray(count, timeoutNs);
    }

    private void pollArray(int count, long timeoutNs) {
        memory.putLong(scratch + SCHED_POLL_PORTS_OFFSET, array);
        memory.putInt(scratch + SCHED_POLL_NR_PORTS_OFFSET, count);
        memory.putInt(scratch + SCHED_POLL_NR_PORTS_OFFSET + 4, 0);
        memory.putLong(scratch + SCHED_POLL_TIMEOUT_OFFSET, timeoutNs);
        long rc = gate.call(__HYPERVISOR_sched_op, SCHEDOP_poll, scratch);
        if (rc < 0) {
            throw new XenException((int) -rc, "SCHEDOP_poll(" + count + " ports)");
        }
    }

    /** SCHEDOP_shutdown with a SHUTDOWN_* reason. For suspend it returns on resume or cancel. */
    public long shutdown(int reason) {
        memory.putInt(scratch + SCHED_SHUTDOWN_REASON_OFFSET, reason);
        return XenException.check(gate.call(__HYPERVISOR_sched_op, SCHEDOP_shutdown, scratch),
                "SCHEDOP_shutdown(reason " + reason + ")");
    }

    // ------------------------------------------------------------------ vCPU hotplug

    /** VCPUOP_up: brings this domain's vCPU {@code vcpu} up (it continues where it stopped). */
    public void vcpuUp(int vcpu) {
        XenException.check(gate.call(__HYPERVISOR_vcpu_op, VCPUOP_up, vcpu, 0), "VCPUOP_up");
    }

    /**
     * VCPUOP_down: takes this domain's vCPU {@code vcpu} off its pCPU at its next safepoint
     * (at once if it is the caller). Downing the last vCPU that is up powers the domain off.
     */
    public void vcpuDown(int vcpu) {
        XenException.check(gate.call(__HYPERVISOR_vcpu_op, VCPUOP_down, vcpu, 0), "VCPUOP_down");
    }

    /** VCPUOP_is_up. */
    public boolean vcpuIsUp(int vcpu) {
        return XenException.check(gate.call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, vcpu, 0), "VCPUOP_is_up") == 1;
    }

    // ------------------------------------------------------------------ timers

    /**
     * VCPUOP_get_runstate_info for {@code vcpu}: returns {@code state_entry_time}, which the
     * hypervisor fills with the current system time for a running vCPU (the Clock's fallback
     * when shared_info carries no time).
     */
    public long runstateEntryTime(int vcpu) {
        memory.setMemory(scratch, VCPU_RUNSTATE_INFO_LENGTH, (byte) 0);
        XenException.check(gate.call(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, vcpu, scratch),
                "VCPUOP_get_runstate_info");
        return memory.getLong(scratch + VCPU_RUNSTATE_INFO_STATE_ENTRY_TIME_OFFSET);
    }

    /** set_timer_op: one-shot VIRQ_TIMER at absolute system time {@code deadlineNs}; 0 cancels. */
    public void setTimer(long deadlineNs) {
        XenException.check(gate.call(__HYPERVISOR_set_timer_op, deadlineNs), "set_timer_op");
    }

    // ------------------------------------------------------------------ console

    /**
     * CONSOLEIO_write of {@code length} bytes to the hypervisor's console for this domain.
     * At most {@link #SCRATCH_BYTES} minus 256 bytes per call.
     */
    public void consoleWrite(byte[] bytes, int offset, int length) {
        int max = SCRATCH_BYTES - ARRAY_OFFSET;
        if (length < 0 || length > max) {
            throw new XenException(XenErrno.XEN_EMSGSIZE, "CONSOLEIO_write",
                    length + " bytes in one write; the limit is " + max + " (split the text)");
        }
        memory.putBytes(array, bytes, offset, length);
        XenException.check(gate.call(__HYPERVISOR_console_io, CONSOLEIO_write, length, array), "CONSOLEIO_write");
    }

    // ------------------------------------------------------------------ memory

    /** XENMEM_current_reservation for this domain: pages it holds. */
    public long currentReservation() {
        memory.putShort(scratch, (short) Xen.DOMID_SELF);
        return XenException.check(gate.call(__HYPERVISOR_memory_op, XENMEM_current_reservation, scratch),
                "XENMEM_current_reservation");
    }

    /** XENMEM_maximum_reservation for this domain: its maxmem in pages. */
    public long maximumReservation() {
        memory.putShort(scratch, (short) Xen.DOMID_SELF);
        return XenException.check(gate.call(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, scratch),
                "XENMEM_maximum_reservation");
    }

    /**
     * XENMEM_decrease_reservation of order-0 extents: gives the frames behind {@code pfns}
     * back to the hypervisor. Returns how many were released (the first that many).
     */
    public int decreaseReservation(long[] pfns, int offset, int count) {
        return reservation(XENMEM_decrease_reservation, "XENMEM_decrease_reservation", pfns, offset, count);
    }

    /** XENMEM_populate_physmap of order-0 extents at {@code pfns}; returns how many were populated. */
    public int populatePhysmap(long[] pfns, int offset, int count) {
        return reservation(XENMEM_populate_physmap, "XENMEM_populate_physmap", pfns, offset, count);
    }

    private int reservation(int cmd, String what, long[] pfns, int offset, int count) {
        if (count < 0 || count > MAX_PFNS_PER_CALL) {
            throw new XenException(XenErrno.XEN_E2BIG, what, count + " extents; at most " + MAX_PFNS_PER_CALL + " per call");
        }
        for (int i = 0; i < count; i++) {
            memory.putLong(array + 8L * i, pfns[offset + i]);
        }
        memory.putLong(scratch + XEN_MEMORY_RESERVATION_EXTENT_START_OFFSET, array);
        memory.putLong(scratch + XEN_MEMORY_RESERVATION_NR_EXTENTS_OFFSET, count);
        memory.putInt(scratch + XEN_MEMORY_RESERVATION_EXTENT_ORDER_OFFSET, 0);
        memory.putInt(scratch + XEN_MEMORY_RESERVATION_MEM_FLAGS_OFFSET, 0);
        memory.putShort(scratch + XEN_MEMORY_RESERVATION_DOMID_OFFSET, (short) Xen.DOMID_SELF);
        return (int) XenException.check(gate.call(__HYPERVISOR_memory_op, cmd, scratch), what);
    }

    // ------------------------------------------------------------------ event channels

    /** EVTCHNOP_alloc_unbound: a port {@code remoteDom} may bind to. */
    public int evtchnAllocUnbound(int remoteDom) {
        memory.putShort(scratch + EVTCHN_ALLOC_UNBOUND_DOM_OFFSET, (short) Xen.DOMID_SELF);
        memory.putShort(scratch + EVTCHN_ALLOC_UNBOUND_REMOTE_DOM_OFFSET, (short) remoteDom);
        memory.putInt(scratch + EVTCHN_ALLOC_UNBOUND_PORT_OFFSET, 0);
        long rc = gate.call(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, scratch);
        if (rc < 0) {
            throw new XenException((int) -rc, "EVTCHNOP_alloc_unbound(remote_dom " + remoteDom + ")");
        }
        return memory.getInt(scratch + EVTCHN_ALLOC_UNBOUND_PORT_OFFSET);
    }

    /** EVTCHNOP_bind_interdomain: connects to {@code remotePort} of {@code remoteDom}; returns the local port. */
    public int evtchnBindInterdomain(int remoteDom, int remotePort) {
        memory.putShort(scratch + EVTCHN_BIND_INTERDOMAIN_REMOTE_DOM_OFFSET, (short) remoteDom);
        memory.putShort(scratch + 2, (short) 0);
        memory.putInt(scratch + EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT_OFFSET, remotePort);
        memory.putInt(scratch + EVTCHN_BIND_INTERDOMAIN_LOCAL_PORT_OFFSET, 0);
        long rc = gate.call(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_interdomain, scratch);
        if (rc < 0) {
            throw new XenException((int) -rc, "EVTCHNOP_bind_interdomain(dom " + remoteDom + ", port " + remotePort + ")");
        }
        return memory.getInt(scratch + EVTCHN_BIND_INTERDOMAIN_LOCAL_PORT_OFFSET);
    }

    /** EVTCHNOP_bind_virq: a port for {@code virq} delivered to {@code vcpu}. */
    public int evtchnBindVirq(int virq, int vcpu) {
        memory.putInt(scratch + EVTCHN_BIND_VIRQ_VIRQ_OFFSET, virq);
        memory.putInt(scratch + EVTCHN_BIND_VIRQ_VCPU_OFFSET, vcpu);
        memory.putInt(scratch + EVTCHN_BIND_VIRQ_PORT_OFFSET, 0);
        long rc = gate.call(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, scratch);
        if (rc < 0) {
            throw new XenException((int) -rc, "EVTCHNOP_bind_virq(virq " + virq + ", vcpu " + vcpu + ")");
        }
        return memory.getInt(scratch + EVTCHN_BIND_VIRQ_PORT_OFFSET);
    }

    /** EVTCHNOP_bind_ipi: a port that signals {@code vcpu} of this domain. */
    public int evtchnBindIpi(int vcpu) {
        memory.putInt(scratch + EVTCHN_BIND_IPI_VCPU_OFFSET, vcpu);
        memory.putInt(scratch + EVTCHN_BIND_IPI_PORT_OFFSET, 0);
        long rc = gate.call(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, scratch);
        if (rc < 0) {
            throw new XenException((int) -rc, "EVTCHNOP_bind_ipi(vcpu " + vcpu + ")");
        }
        return memory.getInt(scratch + EVTCHN_BIND_IPI_PORT_OFFSET);
    }

    /** EVTCHNOP_send: notify the other end of {@code port}. */
    public void evtchnSend(int port) {
        portOp(EVTCHNOP_send, port);
    }

    /** EVTCHNOP_close. */
    public void evtchnClose(int port) {
        portOp(EVTCHNOP_close, port);
    }

    /** EVTCHNOP_unmask. */
    public void evtchnUnmask(int port) {
        portOp(EVTCHNOP_unmask, port);
    }

    /** EVTCHNOP_status: the EVTCHNSTAT_* state of a local port. */
    public int evtchnStatus(int port) {
        memory.setMemory(scratch, EVTCHN_STATUS_LENGTH, (byte) 0);
        memory.putShort(scratch + EVTCHN_STATUS_DOM_OFFSET, (short) Xen.DOMID_SELF);
        memory.putInt(scratch + EVTCHN_STATUS_PORT_OFFSET, port);
        long rc = gate.call(__HYPERVISOR_event_channel_op, EVTCHNOP_status, scratch);
        if (rc < 0) {
            throw new XenException((int) -rc, "EVTCHNOP_status(port " + port + ")");
        }
        return memory.getInt(scratch + EVTCHN_STATUS_STATUS_OFFSET);
    }

    private void portOp(int cmd, int port) {
        memory.putInt(scratch, port);
        long rc = gate.call(__HYPERVISOR_event_channel_op, cmd, scratch);
        if (rc < 0) {
            throw new XenException((int) -rc, evtchnOpName(cmd) + "(port " + port + ")");
        }
    }

    private static String evtchnOpName(int cmd) {
        switch (cmd) {
            case EVTCHNOP_send: return "EVTCHNOP_send";
            case EVTCHNOP_close: return "EVTCHNOP_close";
            case EVTCHNOP_unmask: return "EVTCHNOP_unmask";
            default: return "EVTCHNOP_" + cmd;
        }
    }

    // ------------------------------------------------------------------ grant tables

    /**
     * GNTTABOP_setup_table for this domain: asks for {@code nrFrames} grant-table frames and
     * returns the frame numbers the hypervisor reports (guest frames holding grant_entry_v1).
     */
    public long[] gnttabSetupTable(int nrFrames) {
        if (nrFrames <= 0 || nrFrames > MAX_PFNS_PER_CALL) {
            throw new XenException(XenErrno.XEN_EINVAL, "GNTTABOP_setup_table", "nr_frames " + nrFrames);
        }
        memory.putShort(scratch + GNTTAB_SETUP_TABLE_DOM_OFFSET, (short) Xen.DOMID_SELF);
        memory.putInt(scratch + GNTTAB_SETUP_TABLE_NR_FRAMES_OFFSET, nrFrames);
        memory.putShort(scratch + GNTTAB_SETUP_TABLE_STATUS_OFFSET, (short) -1);
        memory.putLong(scratch + GNTTAB_SETUP_TABLE_FRAME_LIST_OFFSET, array);
        XenException.check(gate.call(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, scratch, 1), "GNTTABOP_setup_table");
        int status = memory.getShort(scratch + GNTTAB_SETUP_TABLE_STATUS_OFFSET);
        if (status != GNTST_okay) {
            throw GrantStatus.exception(status, "GNTTABOP_setup_table(nr_frames " + nrFrames + ")");
        }
        long[] frames = new long[nrFrames];
        for (int i = 0; i < nrFrames; i++) {
            frames[i] = memory.getLong(array + 8L * i);
        }
        return frames;
    }

    /** GNTTABOP_query_size: {@code {nr_frames, max_nr_frames}} of this domain's table. */
    public int[] gnttabQuerySize() {
        memory.setMemory(scratch, GNTTAB_QUERY_SIZE_LENGTH, (byte) 0);
        memory.putShort(scratch + GNTTAB_QUERY_SIZE_DOM_OFFSET, (short) Xen.DOMID_SELF);
        XenException.check(gate.call(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, scratch, 1), "GNTTABOP_query_size");
        int status = memory.getShort(scratch + GNTTAB_QUERY_SIZE_STATUS_OFFSET);
        if (status != GNTST_okay) {
            throw GrantStatus.exception(status, "GNTTABOP_query_size");
        }
        return new int[] {memory.getInt(scratch + GNTTAB_QUERY_SIZE_NR_FRAMES_OFFSET),
                memory.getInt(scratch + GNTTAB_QUERY_SIZE_MAX_NR_FRAMES_OFFSET)};
    }

    /**
     * GNTTABOP_copy of one segment. A side named by grant ({@code GNTCOPY_source_gref} /
     * {@code GNTCOPY_dest_gref} in {@code flags}) gives {@code (ref, domid, offset)}; a local side
     * gives {@code (pfn, DOMID_SELF, offset)}. Throws on a non-okay GNTST_* status.
     */
    public void gnttabCopy(long source, int sourceDom, int sourceOffset,
                           long dest, int destDom, int destOffset, int length, int flags) {
        long c = scratch;
        memory.putLong(c + GNTTAB_COPY_SOURCE_OFFSET, source);
        memory.putShort(c + GNTTAB_COPY_SOURCE_DOMID_OFFSET, (short) sourceDom);
        memory.putShort(c + GNTTAB_COPY_SOURCE_OFFSET_OFFSET, (short) sourceOffset);
        memory.putInt(c + GNTTAB_COPY_SOURCE_OFFSET_OFFSET + 2, 0);
        memory.putLong(c + GNTTAB_COPY_DEST_OFFSET, dest);
        memory.putShort(c + GNTTAB_COPY_DEST_DOMID_OFFSET, (short) destDom);
        memory.putShort(c + GNTTAB_COPY_DEST_OFFSET_OFFSET, (short) destOffset);
        memory.putInt(c + GNTTAB_COPY_DEST_OFFSET_OFFSET + 2, 0);
        memory.putShort(c + GNTTAB_COPY_LEN_OFFSET, (short) length);
        memory.putShort(c + GNTTAB_COPY_FLAGS_OFFSET, (short) flags);
        memory.putShort(c + GNTTAB_COPY_STATUS_OFFSET, (short) 0);
        memory.putShort(c + GNTTAB_COPY_STATUS_OFFSET + 2, (short) 0);
        XenException.check(gate.call(__HYPERVISOR_grant_table_op, GNTTABOP_copy, c, 1), "GNTTABOP_copy");
        int status = memory.getShort(c + GNTTAB_COPY_STATUS_OFFSET);
        if (status != GNTST_okay) {
            throw GrantStatus.exception(status, "GNTTABOP_copy(" + ((flags & GNTCOPY_source_gref) != 0 ? "gref " : "pfn ")
                    + source + "@dom" + sourceDom + " -> " + ((flags & GNTCOPY_dest_gref) != 0 ? "gref " : "pfn ")
                    + dest + "@dom" + destDom + ", " + length + " bytes)");
        }
    }

    /**
     * GNTTABOP_map_grant_ref: maps {@code ref} of {@code dom} at guest-physical
     * {@code hostAddress} (page-aligned). Returns the handle for unmapping.
     */
    public int gnttabMap(int dom, int ref, long hostAddress, boolean readOnly) {
        memory.setMemory(scratch, GNTTAB_MAP_GRANT_REF_LENGTH, (byte) 0);
        memory.putLong(scratch + GNTTAB_MAP_GRANT_REF_HOST_ADDR_OFFSET, hostAddress);
        memory.putInt(scratch + GNTTAB_MAP_GRANT_REF_FLAGS_OFFSET, GNTMAP_host_map | (readOnly ? GNTMAP_readonly : 0));
        memory.putInt(scratch + GNTTAB_MAP_GRANT_REF_REF_OFFSET, ref);
        memory.putShort(scratch + GNTTAB_MAP_GRANT_REF_DOM_OFFSET, (short) dom);
        XenException.check(gate.call(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, scratch, 1), "GNTTABOP_map_grant_ref");
        int status = memory.getShort(scratch + GNTTAB_MAP_GRANT_REF_STATUS_OFFSET);
        if (status != GNTST_okay) {
            throw GrantStatus.exception(status, "GNTTABOP_map_grant_ref(dom " + dom + ", ref " + ref + ")");
        }
        return memory.getInt(scratch + GNTTAB_MAP_GRANT_REF_HANDLE_OFFSET);
    }

    /** GNTTABOP_unmap_grant_ref of a mapping made by {@link #gnttabMap}. */
    public void gnttabUnmap(long hostAddress, int handle) {
        memory.setMemory(scratch, GNTTAB_UNMAP_GRANT_REF_LENGTH, (byte) 0);
        memory.putLong(scratch + GNTTAB_UNMAP_GRANT_REF_HOST_ADDR_OFFSET, hostAddress);
        memory.putInt(scratch + GNTTAB_UNMAP_GRANT_REF_HANDLE_OFFSET, handle);
        XenException.check(gate.call(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, scratch, 1), "GNTTABOP_unmap_grant_ref");
        int status = memory.getShort(scratch + GNTTAB_UNMAP_GRANT_REF_STATUS_OFFSET);
        if (status != GNTST_okay) {
            throw GrantStatus.exception(status, "GNTTABOP_unmap_grant_ref(handle " + handle + ")");
        }
    }

    // ------------------------------------------------------------------ helpers

    private String readCString(long address, int max) {
        byte[] b = new byte[max];
        memory.getBytes(address, b, 0, max);
        int n = 0;
        while (n < max && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
