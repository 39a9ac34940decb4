package dev.domus.dom0.console.backend;

import dev.domus.abi.GuestMemory;
import dev.domus.abi.flyweight.XenconsInterfaceFlyweight;
import dev.domus.dom0.xenstore.ring.Dom0Calls;

/**
 * The backend's end of a guest's {@code struct xencons_interface} (io/console.h) mapped into
 * Dom0: the guest produces into {@code out} (we consume and keep the bytes), we produce into
 * {@code in} (keyboard input). Indices come from the guest's page: each is read once and
 * checked before use; a guest that breaks them gets nothing more read from its ring.
 */
final class ConsoleRing {

    private static final int OUT = XenconsInterfaceFlyweight.OUT_OFFSET;
    private static final int OUT_SIZE = XenconsInterfaceFlyweight.OUT_SIZE;
    private static final int IN = XenconsInterfaceFlyweight.IN_OFFSET;
    private static final int IN_SIZE = XenconsInterfaceFlyweight.IN_SIZE;

    private final GuestMemory mem;
    private final long page;
    private final Dom0Calls calls;
    private final int localPort;
    private final ConsoleOutput output;
    private final byte[] chunk = new byte[OUT_SIZE];
    private boolean broken;

    ConsoleRing(GuestMemory mem, long page, Dom0Calls calls, int localPort, ConsoleOutput output) {
        this.mem = mem;
        this.page = page;
        this.calls = calls;
        this.localPort = localPort;
        this.output = output;
    }

    /** On each event: takes what the guest wrote to {@code out}. */
    void onEvent() {
        if (broken) {
            return;
        }
        int cons = mem.getIntVolatile(page + XenconsInterfaceFlyweight.OUT_CONS_OFFSET);
        int prod = mem.getIntVolatile(page + XenconsInterfaceFlyweight.OUT_PROD_OFFSET);
        int avail = prod - cons;
        if (avail == 0) {
            return;
        }
        if (avail < 0 || avail > OUT_SIZE) {
            broken = true; // Xen's xenconsoled also gives up on such a ring
            output.fail("the guest's out ring indices are invalid (out_prod - out_cons = " + avail + ")");
            return;
        }
        for (int n = 0; n < avail; ) {
            int idx = (cons + n) & (OUT_SIZE - 1);
            int run = Math.min(avail - n, OUT_SIZE - idx);
            mem.getBytes(page + OUT + idx, chunk, n, run);
            n += run;
        }
        mem.putIntOrdered(page + XenconsInterfaceFlyweight.OUT_CONS_OFFSET, cons + avail);
        output.append(chunk, 0, avail);
        calls.send(localPort); // room in out again
    }

    /**
     * Writes input for the guest into {@code in}, as much as there is room for.
     *
     * @return bytes written (0 if the ring is full or broken)
     */
    synchronized int write(byte[] data, int offset, int length) {
        if (broken) {
            return 0;
        }
        int cons = mem.getIntVolatile(page + XenconsInterfaceFlyweight.IN_CONS_OFFSET);
        int prod = mem.getIntVolatile(page + XenconsInterfaceFlyweight.IN_PROD_OFFSET);
        int used = prod - cons;
        if (used < 0 || used > IN_SIZE) {
            broken = true;
            output.fail("the guest's in ring indices are invalid (in_prod - in_cons = " + used + ")");
            return 0;
        }
        int n = Math.min(length, IN_SIZE - used);
        for (int done = 0; done < n; ) {
            int idx = (prod + done) & (IN_SIZE - 1);
            int run = Math.min(n - done, IN_SIZE - idx);
            mem.putBytes(page + IN + idx, data, offset + done, run);
            done += run;
        }
        if (n > 0) {
            mem.putIntOrdered(page + XenconsInterfaceFlyweight.IN_PROD_OFFSET, prod + n);
            calls.send(localPort);
        }
        return n;
    }
}
