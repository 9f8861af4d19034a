#!/usr/bin/python3
"""Table of GOPS per shape and the qinfer/peer ratios from x86_bench JSON output.

Usage: x86_bench --benchmark_format=json [--benchmark_repetitions=3
           --benchmark_report_aggregates_only=true] > run.json
       bench/x86/compare.py run.json [--all]

Uses the median aggregate when repetitions were run, else the single run. Benchmarks are
named <op>/<impl>/<shape>; "xnnpack" is the best of XNNPACK's variants (qs8, qc8) for that
shape; "qinfer-packed" (gemm on AVX-512 VNNI CPUs) gets its own column and a qp/xnnpack
ratio. --all adds qinfer's lower paths (qinfer_avx2, qinfer_sse41, ref) as columns. Model
rows show the CPU time of one inference in microseconds; fixed rows (tiny ops through the
interpreter) the CPU time per op in ns, and their ratios are peer time / qinfer time.
"""
import json
import sys

PEERS = ("xnnpack", "gemmlowp")
ORDER = ["gemm", "fc", "conv", "dwconv", "add", "mul", "maxpool", "avgpool", "model", "fixed"]


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
        runs[(op, shape, impl)] = (b.get("GOPS"), b["cpu_time"] * scale, b.get("ns_per_op"))
    return runs


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    runs = load(args[0])
    rows = sorted({(op, shape) for op, shape, _ in runs},
                  key=lambda r: (ORDER.index(r[0]) if r[0] in ORDER else 99, r))
    extra = []
    if "--all" in argv:
        extra = sorted({i for _, _, i in runs if i.startswith("qinfer_") or i == "ref"})
    packed = ["qinfer-packed"] if any(i == "qinfer-packed" for _, _, i in runs) else []
    cols = ["qinfer"] + packed + extra + list(PEERS)
    ratios = [("qinfer", p) for p in PEERS] + [(q, "xnnpack") for q in packed]
    head = f"{'op/shape':<34}" + "".join(f"{c:>14}" for c in cols)
    head += "".join(f"{('qp' if q == 'qinfer-packed' else 'q') + '/' + p:>12}" for q, p in ratios)
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
        for c in cols:
            v = value(c)
            if v is None:
                line += f"{'-':>14}"
            elif op == "fixed":
                line += f"{v[2]:>12.0f}ns"
            elif v[0] is None or op == "model":
                line += f"{v[1]:>12.0f}us"
            else:
                line += f"{v[0]:>14.1f}"
        for qi, p in ratios:
            q, v = value(qi), value(p)
            if op == "fixed" and q is not None and v is not None and q[2] and v[2]:
                line += f"{v[2] / q[2]:>11.2f}x"
            elif q is None or v is None or q[0] is None or v[0] is None or v[0] == 0:
                line += f"{'-':>12}"
            else:
                line += f"{q[0] / v[0]:>11.2f}x"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
