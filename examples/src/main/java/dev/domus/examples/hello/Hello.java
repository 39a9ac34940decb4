package dev.domus.examples.hello;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;
import dev.domus.sdk.mem.GuestHashMap;

/** The README's first guest: a counter kept in guest memory, so it survives save and restore. */
public final class Hello extends DomusKernel {

    @Override
    protected void main(Domu domu) {
        GuestHashMap state = domu.map("hello");          // lives in guest memory
        String saved = state.get("ticks");
        long ticks = saved == null ? 0 : Long.parseLong(saved);
        long limit = domu.param("ticks", 10);              // extra = "ticks=N" in the .cfg
        domu.printf("hello from domain with %d pages (%s)%n",
                domu.nrPages(), domu.resumed() ? "resumed" : "first boot");
        while (ticks < limit) {
            ticks++;
            state.put("ticks", Long.toString(ticks));
            domu.publish("data/hello/ticks", Long.toString(ticks));
            domu.printf("tick %d at %d ms%n", ticks, domu.now() / 1_000_000);
            domu.sleep(100_000_000L);                      // 100 ms; a clean point for suspend
        }
        domu.printf("bye after %d ticks%n", ticks);       // returning powers the domain off
    }
}
