#!/usr/bin/env python3
"""Prints a table of Domus benchmarks as ratios to their baselines, from JMH's JSON output.

Convention: in a benchmark class, the baseline of method `foo` is `fooBaseline`, run with the
same @Param values in the same JMH run. All benchmarks report average time per operation, so
ratio = domus / baseline (lower is better; 1.0 = as fast as the baseline).
"""
import json
import sys


def key(entry):
    cls, _, method = entry["benchmark"].rpartition(".")
    params = tuple(sorted((entry.get("params") or {}).items()))
    return cls, method, params


def main(path):
    with open(path) as f:
        runs = json.load(f)
    by_key = {key(e): e for e in runs}
    rows = []
    for (cls, method, params), e in sorted(by_key.items()):
        if method.endswith("Baseline"):
            continue
        base = by_key.get((cls, method + "Baseline", params))
        m = e["primaryMetric"]
        name = cls.rsplit(".", 1)[-1] + "." + method
        p = ",".join(f"{k}={v}" for k, v in params)
        gc = e.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        alloc = f"{gc['score']:.1f}" if gc else "-"
        if base:
            b = base["primaryMetric"]
            ratio = m["score"] / b["score"] if b["score"] else float("inf")
            rows.append((name, p, f"{m['score']:.1f} ± {m['scoreError']:.1f}",
                         f"{b['score']:.1f} ± {b['scoreError']:.1f}", f"{ratio:.2f}x", alloc, m["scoreUnit"]))
        else:
            rows.append((name, p, f"{m['score']:.1f} ± {m['scoreError']:.1f}", "-", "-", alloc, m["scoreUnit"]))
    header = ("benchmark", "params", "domus", "baseline", "ratio", "B/op", "unit")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))
    print(line(header))
    print(line(tuple("-" * w for w in widths)))
    for r in rows:
        print(line(r))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: ratios.py JMH_RESULT.json")
    main(sys.argv[1])
