#!/bin/bash
# Whole-model latency, qinfer against ONNX Runtime, in one session on one core (optional;
# not part of CI or scripts/setup.sh). Needs a Release build with x86_bench, /usr/bin/python3
# with python3-onnx (Debian), Node.js and npm's onnxruntime-node, installed once with
#   npm install --prefix build/ort --ignore-scripts onnxruntime-node
# (--ignore-scripts skips its CUDA download; the CPU library ships inside the package).
# usage: bench/x86/ort_compare.sh [BUILD_DIR] [ORT_PREFIX]   (defaults: build, build/ort)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
ort=${2:-$build/ort}
models=$build/ort-models
[ -d "$ort/node_modules/onnxruntime-node" ] || {
  echo "onnxruntime-node not found under $ort (see the header of $0)" >&2
  exit 1
}
/usr/bin/python3 "$root/bench/x86/ort_models.py" "$models" >/dev/null
"$build/bench/x86_bench" --benchmark_filter='^model/' --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_format=json >"$models/qinfer.json"
names="fashion_cnn fashion_mixed blazeface_front_128 mobilenetv2"
files=()
for n in $names; do files+=("$models/$n.onnx" "$models/${n}_qdq_s8.onnx" "$models/${n}_qdq_u8.onnx"); done
NODE_PATH=$ort/node_modules node "$root/bench/x86/ort_bench.js" "${files[@]}" >"$models/ort.jsonl" 2>"$models/ort.log"
/usr/bin/python3 - "$models/qinfer.json" "$models/ort.jsonl" <<'EOF'
import json, sys
q = {b["run_name"].split("/")[2]: b for b in json.load(open(sys.argv[1]))["benchmarks"]
     if b.get("aggregate_name") == "median"}
lines = [json.loads(l) for l in open(sys.argv[2])]
ort = {l["model"]: l for l in lines[1:]}
print(f"ONNX Runtime {lines[0]['onnxruntime']}; medians of 3 repetitions; microseconds per "
      "inference, CPU time (wall-clock in parentheses)")
print("| model | qinfer int8 | ORT float | ORT QDQ int8 act. | ORT QDQ uint8 act. | best ORT / qinfer (CPU) |")
print("|---|---|---|---|---|---|")
for name in ("fashion_cnn", "fashion_mixed", "blazeface_front_128", "mobilenetv2"):
    b = q[name]
    scale = 1.0 if b["time_unit"] == "us" else 1e-3
    cells = [(b["cpu_time"] * scale, b["real_time"] * scale)]
    cells += [(ort[m]["cpu_us"], ort[m]["wall_us"]) for m in (name, name + "_qdq_s8", name + "_qdq_u8")]
    best = min(c for c, _ in cells[1:])
    print(f"| {name} | " + " | ".join(f"{c:.0f} ({w:.0f})" for c, w in cells) +
          f" | {best / cells[0][0]:.2f}x |")
EOF
