package dev.domus.dom0.console.backend;

import dev.domus.abi.flyweight.StartInfoFlyweight;
import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/**
 * A guest for the console tests: prints a long numbered text (several times the ring's size),
 * then echoes each line typed on its console until it reads "quit".
 */
public final class EchoGuest extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        for (int i = 0; i < 400; i++) {
            domu.printf("line %04d of the boot text%n", i);
        }
        domu.printf("ready%n");
        int port = domu.memory().getInt(domu.vcpu().startInfoAddress() + StartInfoFlyweight.CONSOLE_DOMU_EVTCHN_OFFSET);
        byte[] buf = new byte[256];
        StringBuilder line = new StringBuilder();
        while (true) {
            int n = domu.console().read(buf);
            for (int i = 0; i < n; i++) {
                char c = (char) buf[i];
                if (c == '\n') {
                    String text = line.toString();
                    line.setLength(0);
                    domu.printf("echo: %s%n", text);
                    if (text.equals("quit")) {
                        domu.printf("bye%n");
                        return;
                    }
                } else {
                    line.append(c);
                }
            }
            if (n == 0) {
                // Input comes with an event on the console channel (the backend notifies).
                domu.events().waitFor(port, domu.now() + 100_000_000L);
            }
        }
    }
}
