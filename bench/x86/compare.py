#!/usr/bin/python3
"""Table of GOPS per shape and the qinfer/peer ratios from x86_bench JSON output.

Usage: x86_bench --benchmark_format=json [--benchmark_repetitions=3
           --benchmark_report_aggregates_only=true] > run.json
       bench/x86/compare.py run.json [--all]

Uses the median aggregate when repetitions were run, else the single run. Benchmarks are
named <op>/<impl>/<shape>; "xnnpack" is the best of XNNPACK's variants (qs8, qc8) for that
shape. --all adds qinfer's lower paths (qinfer_avx2, qinfer_sse41, ref) as columns. Model
rows show the CPU time of one inference in microseconds.
"""
import json
import sys

PEERS = ("xnnpack", "gemmlowp")


def load(path):
    with open(path) as f:
        doc = json.load(f)
    runs = {}
    has_median = any(b.get("aggregate_name") == "median" for b in doc["benchmarks"])
    for b in doc["benchmarks"]:
        if has_median and b.get("aggregate_name") != "median":
            continue
        if "error_occurred" in b and b["error_occurred"]:
            continue
        name = b.get("run_name", b["name"])
        parts = name.split("/")
        if len(parts) != 3:
            continue
        op, impl, shape = parts
        scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b.get("time_unit", "ns")]
        runs[(op, shape, impl)] = (b.get("GOPS"), b["cpu_time"] * scale)
    return runs


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    runs = load(args[0])
    order = ["gemm", "conv", "dwconv", "add", "mul", "maxpool", "avgpool", "model"]
    rows = sorted({(op, shape) for op, shape, _ in runs},
                  key=lambda r: (order.index(r[0]) if r[0] in order else 99, r))
    extra = []
    if "--all" in argv:
        extra = sorted({i for _, _, i in runs if i.startswith("qinfer_") or i == "ref"})
    cols = ["qinfer"] + extra + list(PEERS)
    head = f"{'op/shape':<34}" + "".join(f"{c:>13}" for c in cols)
    head += "".join(f"{'q/' + p:>11}" for p in PEERS)
    print(head)
    for op, shape in rows:
        def value(impl):
            if impl == "xnnpack":
                vals = [v for (o, s, i), v in runs.items()
                        if o == op and s == shape and i.startswith("xnnpack")]
                vals = [v for v in vals if v[0] is not None]
                return max(vals, key=lambda v: v[0]) if vals else None
            return runs.get((op, shape, impl))

        line = f"{op + '/' + shape:<34}"
        q = value("qinfer")
        for c in cols:
            v = value(c)
            if v is None:
                line += f"{'-':>13}"
            elif v[0] is None or op == "model":
                line += f"{v[1]:>11.0f}us"
            else:
                line += f"{v[0]:>13.1f}"
        for p in PEERS:
            v = value(p)
            if q is None or v is None or q[0] is None or v[0] is None or v[0] == 0:
                line += f"{'-':>11}"
            else:
                line += f"{q[0] / v[0]:>10.2f}x"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
