#!/usr/bin/env bash
# AArch64 bench: runs the cross-built bench (bench/aarch64/bench_main.cc) once under
# `qemu-aarch64 -cpu max` with the insn_count plugin (bench/mcu/insn_count.c, user mode), so
# every path (ref, neon, dotprod) is measured in one run; the model's regions are also split
# per op at the interpreter's per-op call. Writes OUT/results.csv
# (target,layer,macs,instructions) and OUT/results.md, prints the table, and fails if an output
# differs between paths or a target is missed: NEON >= 6x and SDOT >= 8x fewer instructions
# than the reference on conv/FC layers and the model's conv/FC ops, depthwise >= 4x.
# Usage: run_bench.sh AARCH64_BUILD_DIR PLUGIN.so OUT_DIR
set -euo pipefail
bin=$1 plugin=$2 out=$3
elf=$bin/bench/aarch64_bench
mkdir -p "$out"
sym() { aarch64-linux-gnu-nm "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
begin=$(sym qinfer_mark_begin)
end=$(sym qinfer_mark_end)
split=$(sym _ZN6qinfer11RunOperatorERKNS_6schema5ModelEPKNS0_8OperatorEPh)
[ -n "$begin" ] && [ -n "$end" ] && [ -n "$split" ] || { echo "marker symbols missing in $elf"; exit 1; }
counts=$out/insns.txt
log=$out/run.txt
qemu-aarch64 -cpu max -plugin "$plugin,begin=$begin,end=$end,split=$split,out=$counts" "$elf" >"$log" ||
  { cat "$log"; echo "bench failed"; exit 1; }
if grep -q MISMATCH "$log"; then cat "$log"; exit 1; fi

# Op names of the model, in order, for its per-op splits.
ops=$out/model_ops.txt
: >"$ops"
if [ -f "$out/fashion_cnn.qinfer" ] && [ -x "$(dirname "$out")/qinfer" ]; then
  "$(dirname "$out")/qinfer" inspect "$out/fashion_cnn.qinfer" |
    awk '!done && /^ops / { on = 1; next } on && NF == 0 { on = 0; done = 1 } on { printf "%02d_%s\n", $1, tolower($2) }' >"$ops"  # reads to the end: no SIGPIPE
fi

csv=$out/results.csv
echo "target,layer,macs,instructions" >"$csv"
awk -v opsfile="$ops" '
  BEGIN { n = 0; while ((getline l < opsfile) > 0) op[nops++] = l }
  FILENAME == ARGV[1] && /^bench / { t[n] = $2; nm[n] = $3; macs[n] = $4; ++n; next }
  FILENAME == ARGV[2] && /^region / {
    r = $2
    printf "%s,%s,%s,%s\n", t[r], nm[r], macs[r], $4
    if (NF > 8 && nops > 0)  # "region R insns T prologue P splits d0 d1 ..."
      for (i = 8; i <= NF && i - 8 < nops; ++i) printf "%s,%s/%s,0,%s\n", t[r], nm[r], op[i - 8], $i
  }' "$log" "$counts" >>"$csv"

md=$out/results.md
awk -F, '
  NR == 1 { next }
  { key = $2; if (!(key in seen)) { seen[key] = 1; order[n++] = key; macs[key] = $3 } v[key, $1] = $4 }
  function fmt(x) { return x >= 1e6 ? sprintf("%.2f M", x / 1e6) : sprintf("%.1f k", x / 1e3) }
  END {
    print "| layer | MACs | ref | NEON | SDOT | ref/NEON | ref/SDOT |"
    print "|---|---|---|---|---|---|---|"
    for (i = 0; i < n; ++i) {
      k = order[i]; r = v[k, "ref"]; ne = v[k, "neon"]; sd = v[k, "dotprod"]
      m = macs[k] > 0 ? macs[k] : "-"; s = sd != "" ? fmt(sd) : "-"
      rn = ne > 0 ? r / ne : 0; rs = sd > 0 ? r / sd : 0
      printf "| %s | %s | %s | %s | %s | %.1fx | %.1fx |\n", k, m, fmt(r), fmt(ne), s, rn, rs
    }
  }' "$csv" >"$md"
cat "$md"
echo "wrote $csv and $md"

# Targets, on every conv / depthwise / fully connected layer bench (MACs > 0) and on the same
# ops of the model (its per-op splits, which include the interpreter's per-op work).
awk -F, '
  NR == 1 { next }
  $3 == 0 && $2 !~ /\/[0-9]+_(conv_2d|depthwise_conv_2d|fully_connected)$/ { next }
  { v[$2, $1] = $4; names[$2] = 1 }
  END {
    bad = 0
    for (k in names) {
      dw = k ~ /^dw|depthwise/
      nt = dw ? 4 : 6; st = dw ? 4 : 8
      rn = v[k, "ref"] / v[k, "neon"]; rs = v[k, "ref"] / v[k, "dotprod"]
      if (rn < nt) { printf "target missed: %s ref/NEON %.2f < %d\n", k, rn, nt; bad = 1 }
      if (rs < st) { printf "target missed: %s ref/SDOT %.2f < %d\n", k, rs, st; bad = 1 }
    }
    if (!bad) print "targets met: NEON >= 6x, SDOT >= 8x (depthwise >= 4x) on every conv / FC / depthwise layer and model op"
    exit bad
  }' "$csv"
