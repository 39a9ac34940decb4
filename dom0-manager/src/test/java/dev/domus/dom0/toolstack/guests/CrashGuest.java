package dev.domus.dom0.toolstack.guests;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.VcpuContext;

/** A test guest that says so on its console and then crashes (an exception escapes start). */
public final class CrashGuest implements GuestKernel {

    @Override
    public void start(VcpuContext vcpu) {
        ConsoleGuest.say(vcpu, "about to crash\n");
        throw new IllegalStateException("guest bug");
    }
}
