package dev.domus.sched.sim;

import dev.domus.sched.SchedParams;
import dev.domus.sched.SchedulingPolicies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the scenario file format. One directive per line; {@code #} starts a comment.
 *
 * <pre>
 * policy credit2            # credit2 | credit | rtds | null (default credit2)
 * pcpus 4                   # virtual pCPUs (default 1)
 * duration 10s              # virtual time to simulate (default 10s)
 * seed 42                   # seed for the io units' sleep times (default 1)
 * unit NAME KIND [key=value ...]
 * </pre>
 *
 * KIND is {@code cpu} (always runnable), {@code io} (runs {@code burst}, sleeps about
 * {@code sleep}) or {@code rt} (a job of {@code work} every {@code period}). Keys:
 * {@code count} (units in the group, default 1), {@code weight}, {@code cap} (percent of
 * one pCPU), {@code period} and {@code budget} (RTDS; for {@code rt} units {@code period}
 * is also the job period and {@code work} defaults to {@code budget}), {@code hard} and
 * {@code soft} (pCPU lists like {@code 0-3,6}), {@code burst}, {@code sleep}, {@code work},
 * {@code start}, {@code stop}. Times take a unit: {@code ns}, {@code us}, {@code ms},
 * {@code s}.
 */
public final class ScenarioParser {

    private static final Set<String> KEYS = Set.of("count", "weight", "cap", "period", "budget", "hard", "soft",
        "burst", "sleep", "work", "start", "stop");

    private ScenarioParser() {
    }

    public static Scenario parse(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    /** @throws IllegalArgumentException naming the line and what to fix */
    public static Scenario parse(String text) {
        String policy = SchedulingPolicies.DEFAULT;
        int pcpus = 1;
        long duration = 10_000_000_000L;
        long seed = 1;
        List<String[]> unitLines = new ArrayList<>();
        List<Integer> unitLineNumbers = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] t = line.split("\\s+");
            int ln = n + 1;
            switch (t[0]) {
                case "policy" -> {
                    one(t, ln);
                    policy = t[1];
                    if (!SchedulingPolicies.NAMES.contains(policy)) {
                        throw error(ln, "unknown policy '" + policy + "': choose one of "
                            + String.join(", ", SchedulingPolicies.NAMES));
                    }
                }
                case "pcpus" -> {
                    one(t, ln);
                    pcpus = (int) number(t[1], ln, "pcpus", 1, 4096);
                }
                case "duration" -> {
                    one(t, ln);
                    duration = time(t[1], ln, "duration");
                    if (duration <= 0) {
                        throw error(ln, "duration must be positive");
                    }
                }
                case "seed" -> {
                    one(t, ln);
                    seed = number(t[1], ln, "seed", Long.MIN_VALUE, Long.MAX_VALUE);
                }
                case "unit" -> {
                    unitLines.add(t);
                    unitLineNumbers.add(ln);
                }
                default -> throw error(ln, "unknown directive '" + t[0]
                    + "': use policy, pcpus, duration, seed or unit");
            }
        }
        List<UnitSpec> units = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < unitLines.size(); i++) {
            UnitSpec u = unit(unitLines.get(i), unitLineNumbers.get(i), pcpus);
            if (!names.add(u.name())) {
                throw error(unitLineNumbers.get(i), "unit name '" + u.name() + "' is used twice");
            }
            units.add(u);
        }
        if (units.isEmpty()) {
            throw new IllegalArgumentException("scenario has no units: add a line like 'unit web cpu weight=256'");
        }
        return new Scenario(policy, pcpus, duration, seed, units);
    }

    private static UnitSpec unit(String[] t, int ln, int pcpus) {
        if (t.length < 3) {
            throw error(ln, "a unit line is 'unit NAME KIND [key=value ...]' with KIND cpu, io or rt");
        }
        String name = t[1];
        String kind = t[2];
        Map<String, String> kv = new LinkedHashMap<>();
        for (int i = 3; i < t.length; i++) {
            int eq = t[i].indexOf('=');
            if (eq <= 0) {
                throw error(ln, "'" + t[i] + "' is not key=value");
            }
            String k = t[i].substring(0, eq);
            if (!KEYS.contains(k)) {
                throw error(ln, "unknown key '" + k + "': use one of " + String.join(", ", new java.util.TreeSet<>(KEYS)));
            }
            if (kv.put(k, t[i].substring(eq + 1)) != null) {
                throw error(ln, "key '" + k + "' given twice");
            }
        }
        SchedParams p = SchedParams.defaults();
        int count = kv.containsKey("count") ? (int) number(kv.get("count"), ln, "count", 1, 1_000_000) : 1;
        if (kv.containsKey("weight")) {
            p = p.withWeight((int) number(kv.get("weight"), ln, "weight", Integer.MIN_VALUE, Integer.MAX_VALUE));
        }
        if (kv.containsKey("cap")) {
            p = p.withCap((int) number(kv.get("cap"), ln, "cap", Integer.MIN_VALUE, Integer.MAX_VALUE));
        }
        long period = kv.containsKey("period") ? time(kv.get("period"), ln, "period") : p.periodNs();
        long budget = kv.containsKey("budget") ? time(kv.get("budget"), ln, "budget") : p.budgetNs();
        p = p.withRt(period, budget);
        if (kv.containsKey("hard")) {
            p = p.withHardAffinity(cpus(kv.get("hard"), ln, pcpus));
        }
        if (kv.containsKey("soft")) {
            p = p.withSoftAffinity(cpus(kv.get("soft"), ln, pcpus));
        }
        Workload w;
        try {
            w = switch (kind) {
                case "cpu" -> Workload.cpu();
                case "io" -> Workload.io(need(kv, "burst", ln), need(kv, "sleep", ln));
                case "rt" -> Workload.rt(period, kv.containsKey("work") ? time(kv.get("work"), ln, "work") : budget);
                default -> throw error(ln, "unknown unit kind '" + kind + "': use cpu, io or rt");
            };
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("scenario line")) {
                throw e;
            }
            throw error(ln, e.getMessage());
        }
        long start = kv.containsKey("start") ? time(kv.get("start"), ln, "start") : 0;
        long stop = kv.containsKey("stop") ? time(kv.get("stop"), ln, "stop") : Long.MAX_VALUE;
        if (stop <= start) {
            throw error(ln, "stop must come after start");
        }
        return new UnitSpec(name, count, w, p, start, stop);
    }

    private static long need(Map<String, String> kv, String key, int ln) {
        if (!kv.containsKey(key)) {
            throw error(ln, "an io unit needs " + key + "=TIME");
        }
        return time(kv.get(key), ln, key);
    }

    private static void one(String[] t, int ln) {
        if (t.length != 2) {
            throw error(ln, "'" + t[0] + "' takes exactly one value");
        }
    }

    private static long number(String s, int ln, String what, long min, long max) {
        long v;
        try {
            v = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error(ln, what + " '" + s + "' is not a whole number");
        }
        if (v < min || v > max) {
            throw error(ln, what + " " + v + " is out of range " + min + ".." + max);
        }
        return v;
    }

    /** Parses {@code 10ms}, {@code 500us}, {@code 2s}, {@code 100ns}. */
    public static long time(String s, int ln, String what) {
        String[][] units = {{"ns", "1"}, {"us", "1000"}, {"ms", "1000000"}, {"s", "1000000000"}};
        for (String[] u : units) {
            if (s.endsWith(u[0]) && s.length() > u[0].length()) {
                String num = s.substring(0, s.length() - u[0].length());
                if (u[0].equals("s") && (num.endsWith("n") || num.endsWith("u") || num.endsWith("m"))) {
                    continue;
                }
                try {
                    long v = Long.parseLong(num);
                    if (v < 0) {
                        throw error(ln, what + " '" + s + "' must not be negative");
                    }
                    return Math.multiplyExact(v, Long.parseLong(u[1]));
                } catch (NumberFormatException | ArithmeticException e) {
                    break;
                }
            }
        }
        throw error(ln, what + " '" + s + "' is not a time: write a whole number with ns, us, ms or s (e.g. 10ms)");
    }

    private static BitSet cpus(String s, int ln, int pcpus) {
        BitSet b = new BitSet();
        for (String part : s.split(",")) {
            try {
                int dash = part.indexOf('-');
                int lo = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
                int hi = dash < 0 ? lo : Integer.parseInt(part.substring(dash + 1));
                if (lo < 0 || hi < lo) {
                    throw error(ln, "bad pCPU range '" + part + "'");
                }
                b.set(lo, hi + 1);
            } catch (NumberFormatException e) {
                throw error(ln, "bad pCPU list '" + s + "': write numbers and ranges like 0-3,6");
            }
        }
        return b;
    }

    private static IllegalArgumentException error(int line, String msg) {
        return new IllegalArgumentException("scenario line " + line + ": " + msg);
    }
}
