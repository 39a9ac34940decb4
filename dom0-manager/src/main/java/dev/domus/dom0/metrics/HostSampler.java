package dev.domus.dom0.metrics;

import java.util.List;

import dev.domus.dom0.control.wire.ControlClient;
import dev.domus.dom0.daemon.HostControl;
import dev.domus.dom0.daemon.Responder;

/**
 * Takes a {@link HostSample} through the toolstack's own read-only queries ({@code info --json},
 * {@code list --json}, {@code stats --json}), so the metrics endpoint, {@code domus top} and {@code domus list} show
 * the same numbers from the same hypercalls (sysctl physinfo, domctl getdomaininfo and
 * the Domus getstats domctl, blkback's and the console backend's counts).
 */
@FunctionalInterface
public interface HostSampler {

    /** One sample; throws with a one-line message when the host cannot be reached. */
    HostSample sample() throws Exception;

    /** Inside domusd: asks the running toolstack directly. */
    static HostSampler of(HostControl host) {
        Responder none = new Responder() {
            @Override
            public void line(String text) {
            }

            @Override
            public void heartbeat() {
            }
        };
        return () -> {
            String info = host.query("info", List.of("--json"), none);
            String list = host.query("list", List.of("--json"), none);
            String stats = host.query("stats", List.of("--json"), none);
            return HostSample.parse(System.nanoTime(), info, list, stats);
        };
    }

    /** From a console: asks domusd over its control socket. */
    static HostSampler of(ControlClient client) {
        return () -> {
            ControlClient.Reply info = client.call("info", List.of("--json"));
            ControlClient.Reply list = client.call("list", List.of("--json"));
            ControlClient.Reply stats = client.call("stats", List.of("--json"));
            for (ControlClient.Reply r : List.of(info, list, stats)) {
                if (!r.ok()) {
                    throw new IllegalStateException(r.text());
                }
            }
            return HostSample.parse(System.nanoTime(), info.text(), list.text(), stats.text());
        };
    }
}
