package dev.domus.sched.sim;

/**
 * What a synthetic unit does.
 *
 * <ul>
 *   <li>{@link Kind#CPU}: always runnable, never blocks;</li>
 *   <li>{@link Kind#IO}: runs {@code burstNs} of CPU, then sleeps about {@code sleepNs}
 *       (uniformly between half and one and a half times it, from the scenario's seed),
 *       then wakes up again;</li>
 *   <li>{@link Kind#RT}: releases a job of {@code workNs} CPU every {@code periodNs}
 *       (at multiples of the period, from time 0); the job's deadline is the next release.
 *       A job still unfinished at its deadline is a miss (its remaining work carries over).</li>
 * </ul>
 */
public record Workload(Kind kind, long burstNs, long sleepNs, long periodNs, long workNs) {

    /** Workload kinds. */
    public enum Kind { CPU, IO, RT }

    public static Workload cpu() {
        return new Workload(Kind.CPU, 0, 0, 0, 0);
    }

    public static Workload io(long burstNs, long sleepNs) {
        if (burstNs <= 0 || sleepNs <= 0) {
            throw new IllegalArgumentException("an io unit needs burst > 0 and sleep > 0");
        }
        return new Workload(Kind.IO, burstNs, sleepNs, 0, 0);
    }

    public static Workload rt(long periodNs, long workNs) {
        if (periodNs <= 0 || workNs <= 0) {
            throw new IllegalArgumentException("an rt unit needs period > 0 and work > 0");
        }
        return new Workload(Kind.RT, 0, 0, periodNs, workNs);
    }
}
