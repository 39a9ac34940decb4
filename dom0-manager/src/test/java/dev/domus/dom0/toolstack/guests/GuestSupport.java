package dev.domus.dom0.toolstack.guests;

import java.nio.charset.StandardCharsets;

import dev.domus.abi.VcpuContext;
import dev.domus.abi.flyweight.StartInfoFlyweight;

/** Reads what test guests need from start_info. */
final class GuestSupport {

    private GuestSupport() {
    }

    static String cmdline(VcpuContext vcpu) {
        byte[] b = new byte[1024];
        vcpu.memory().getBytes(vcpu.startInfoAddress() + StartInfoFlyweight.CMD_LINE_OFFSET, b, 0, b.length);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }
}
