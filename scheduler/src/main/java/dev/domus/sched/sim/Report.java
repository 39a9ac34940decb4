package dev.domus.sched.sim;

import java.util.List;
import java.util.Locale;

/**
 * Formats a {@link SimResult}: a table with one row per scenario group (a group of one is
 * one unit), or JSON with every group and every unit.
 */
public final class Report {

    private Report() {
    }

    /** Aggregate of one group. */
    private record Group(UnitSpec spec, int units, long cpuNs, double share, double minShare, double maxShare,
                         long wakeups, long latSum, long latCount, long maxLat, long jobs, long misses,
                         long migrations, long violations) {
    }

    private static Group[] groups(SimResult r) {
        List<UnitSpec> specs = r.scenario().units();
        Group[] g = new Group[specs.size()];
        for (int i = 0; i < g.length; i++) {
            int units = 0;
            long cpu = 0;
            double share = 0;
            double min = Double.MAX_VALUE;
            double max = 0;
            long wakeups = 0;
            long latSum = 0;
            long latCount = 0;
            long maxLat = 0;
            long jobs = 0;
            long misses = 0;
            long migrations = 0;
            long violations = 0;
            for (UnitStats u : r.units()) {
                if (u.group() != i) {
                    continue;
                }
                units++;
                cpu += u.cpuNs();
                share += u.share();
                min = Math.min(min, u.share());
                max = Math.max(max, u.share());
                wakeups += u.wakeups();
                latSum += u.meanLatencyNs() * u.wakeups();
                latCount += u.wakeups();
                maxLat = Math.max(maxLat, u.maxLatencyNs());
                jobs += u.jobs();
                misses += u.deadlineMisses();
                migrations += u.migrations();
                violations += u.hardViolations();
            }
            g[i] = new Group(specs.get(i), units, cpu, share, units == 0 ? 0 : min, max, wakeups, latSum, latCount,
                maxLat, jobs, misses, migrations, violations);
        }
        return g;
    }

    /** A human-readable table. */
    public static String table(SimResult r) {
        Scenario s = r.scenario();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "policy %s, %d pCPUs, %.3f s virtual, seed %d, %d units, %d decisions%n",
            s.policy(), s.pcpus(), s.durationNs() / 1e9, s.seed(), s.unitCount(), r.decisions()));
        b.append(String.format(Locale.ROOT, "%-16s %-4s %6s %6s %4s %9s %9s %9s %9s %10s %10s %8s %7s %9s%n",
            "unit", "kind", "count", "weight", "cap", "cpu%", "cpu%/unit", "min%", "max%", "lat-avg-us",
            "lat-max-us", "jobs", "misses", "migr"));
        for (Group g : groups(r)) {
            UnitSpec sp = g.spec();
            double mean = g.units() == 0 ? 0 : g.share() / g.units();
            b.append(String.format(Locale.ROOT, "%-16s %-4s %6d %6d %4d %9.2f %9.2f %9.2f %9.2f %10.1f %10.1f %8d %7d %9d%n",
                sp.name(), sp.work().kind().name().toLowerCase(Locale.ROOT), g.units(), sp.params().weight(),
                sp.params().cap(), 100 * g.share(), 100 * mean, 100 * g.minShare(), 100 * g.maxShare(),
                g.latCount() == 0 ? 0.0 : g.latSum() / (double) g.latCount() / 1e3, g.maxLat() / 1e3, g.jobs(),
                g.misses(), g.migrations()));
        }
        b.append(String.format(Locale.ROOT, "idle %.2f%% of pCPU time; %d migrations; %d deadline misses; "
                + "%d hard-affinity violations%n",
            100 * r.idleFraction(), r.totalMigrations(), r.totalDeadlineMisses(), r.totalHardViolations()));
        return b.toString();
    }

    /** JSON with the scenario, per-pCPU idle time, groups and units. */
    public static String json(SimResult r) {
        Scenario s = r.scenario();
        StringBuilder b = new StringBuilder(256 + 256 * r.units().size());
        b.append("{\"policy\":").append(str(s.policy()))
            .append(",\"pcpus\":").append(s.pcpus())
            .append(",\"duration_ns\":").append(s.durationNs())
            .append(",\"seed\":").append(s.seed())
            .append(",\"decisions\":").append(r.decisions())
            .append(",\"idle_fraction\":").append(num(r.idleFraction()))
            .append(",\"idle_ns\":[");
        for (int p = 0; p < r.idleNs().length; p++) {
            b.append(p == 0 ? "" : ",").append(r.idleNs()[p]);
        }
        b.append("],\"migrations\":").append(r.totalMigrations())
            .append(",\"deadline_misses\":").append(r.totalDeadlineMisses())
            .append(",\"hard_affinity_violations\":").append(r.totalHardViolations())
            .append(",\"groups\":[");
        Group[] gs = groups(r);
        for (int i = 0; i < gs.length; i++) {
            Group g = gs[i];
            UnitSpec sp = g.spec();
            b.append(i == 0 ? "" : ",").append("{\"name\":").append(str(sp.name()))
                .append(",\"kind\":").append(str(sp.work().kind().name().toLowerCase(Locale.ROOT)))
                .append(",\"units\":").append(g.units())
                .append(",\"weight\":").append(sp.params().weight())
                .append(",\"cap\":").append(sp.params().cap())
                .append(",\"cpu_ns\":").append(g.cpuNs())
                .append(",\"share\":").append(num(g.share()))
                .append(",\"min_unit_share\":").append(num(g.minShare()))
                .append(",\"max_unit_share\":").append(num(g.maxShare()))
                .append(",\"wakeups\":").append(g.wakeups())
                .append(",\"mean_latency_ns\":").append(g.latCount() == 0 ? 0 : g.latSum() / g.latCount())
                .append(",\"max_latency_ns\":").append(g.maxLat())
                .append(",\"jobs\":").append(g.jobs())
                .append(",\"deadline_misses\":").append(g.misses())
                .append(",\"migrations\":").append(g.migrations())
                .append('}');
        }
        b.append("],\"units\":[");
        for (int i = 0; i < r.units().size(); i++) {
            UnitStats u = r.units().get(i);
            b.append(i == 0 ? "" : ",").append("{\"name\":").append(str(u.name()))
                .append(",\"group\":").append(u.group())
                .append(",\"cpu_ns\":").append(u.cpuNs())
                .append(",\"share\":").append(num(u.share()))
                .append(",\"wakeups\":").append(u.wakeups())
                .append(",\"mean_latency_ns\":").append(u.meanLatencyNs())
                .append(",\"max_latency_ns\":").append(u.maxLatencyNs())
                .append(",\"jobs\":").append(u.jobs())
                .append(",\"deadline_misses\":").append(u.deadlineMisses())
                .append(",\"migrations\":").append(u.migrations())
                .append(",\"soft_affinity_ns\":").append(u.softNs())
                .append(",\"hard_affinity_violations\":").append(u.hardViolations())
                .append('}');
        }
        return b.append("]}").toString();
    }

    private static String num(double d) {
        return String.format(Locale.ROOT, "%.6f", d);
    }

    private static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
