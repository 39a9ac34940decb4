package dev.domus.dom0.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Interactive {@code domus top}'s key loop with a scripted keyboard (keys known in advance, and
 * the delay "expires" when the script says so, so no test waits on a clock): sort keys redraw
 * at once, {@code r} and an expired delay sample again, {@code q} quits, a failing host ends it.
 */
class InteractiveTopTest {

    private static HostSample sample(long t, long aCalls, long bCalls) {
        return new HostSample(t, 2, 256, 100, List.of(
                new DomainSample(1, "alpha", "running", 16, 16, 1, t, Map.of("hypercalls:xen_version:", aCalls)),
                new DomainSample(2, "beta", "blocked", 16, 16, 1, 0, Map.of("hypercalls:xen_version:", bCalls))));
    }

    /** The domain names in screen order, and the sort named in the footer. */
    private static String order(String frame) {
        List<String> names = new ArrayList<>();
        for (String line : frame.split("\n")) {
            if (line.startsWith("alpha") || line.startsWith("beta")) {
                names.add(line.split("\\s+")[0]);
            }
        }
        String sort = frame.substring(frame.indexOf("sorted by ") + 10).split(" ")[0];
        return String.join(",", names) + " by " + sort;
    }

    private static InteractiveTop.Keys script(Integer... keys) {
        Deque<Integer> q = new ArrayDeque<>(List.of(keys));
        return timeout -> q.isEmpty() ? InteractiveTop.Keys.EOF : q.poll();
    }

    @Test
    void sortKeysRedrawAtOnceRefreshAndExpirySampleAndQQuits() throws Exception {
        List<String> screens = new ArrayList<>();
        int[] calls = {0};
        int frames = InteractiveTop.loop(script((int) 'h', (int) 'r', InteractiveTop.Keys.EXPIRED, (int) 'D',
                        (int) 'x', (int) 'q', (int) 'c'), s -> screens.add(order(s)),
                () -> sample(1_000_000_000L * ++calls[0], 5, 50), TopView.Sort.DOMID, 3600, null);
        assertEquals(List.of("alpha,beta by domid", "beta,alpha by hcalls", "beta,alpha by hcalls",
                "beta,alpha by hcalls", "alpha,beta by domid"), screens);
        assertEquals(2, frames, "'r' and the expired delay took new samples; sort keys did not");
        assertEquals(3, calls[0]);
    }

    @Test
    void iterationsStopItAndAHostThatFailsEndsIt() throws Exception {
        List<String> screens = new ArrayList<>();
        InteractiveTop.Keys idle = timeout -> InteractiveTop.Keys.EXPIRED;
        assertEquals(3, InteractiveTop.loop(idle, screens::add, () -> sample(1, 1, 1), TopView.Sort.CPU, 0.01, 3));
        assertEquals(4, screens.size(), "the first screen and three frames");

        int[] calls = {0};
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> InteractiveTop.loop(idle,
                s -> { }, () -> {
                    if (++calls[0] > 1) {
                        throw new IllegalStateException("the host is not answering");
                    }
                    return sample(1, 1, 1);
                }, TopView.Sort.CPU, 0.01, null));
        assertEquals("the host is not answering", e.getMessage());
        assertTrue(calls[0] == 2);
    }
}
