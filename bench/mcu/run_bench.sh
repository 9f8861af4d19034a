#!/usr/bin/env bash
# MCU benchmark: instructions per layer and per inference (QEMU + the insn_count plugin) for
# the reference kernels and for the optimized ones (kernels/arm/: DSP extension on the M4,
# Helium on the M55) at -O2 on Cortex-M3 (mps2-an385), Cortex-M4 (mps2-an386) and Cortex-M55
# (mps3-an547); flash of the runtime core and per model (Cortex-M4 -Os, with and without the
# flash-size options); RAM per model. Writes OUT/results.csv (target,layer,macs,instructions;
# target m3 = reference kernels, m4_ref / m55_ref = reference, m4 / m55 = optimized) and
# OUT/results.md, and prints the tables.
# Usage: run_bench.sh SRC_DIR MCU_BIN_DIR PLUGIN.so GEN_BENCH CONFORMANCE_HEADER
#   (the host build's `mcu_bench` target passes these)
set -euo pipefail
src=$1 mcu=$2 plugin=$3 gen=$4 conformance=$5
out=$mcu/bench
data=$mcu/bench-data
mkdir -p "$out" "$data"
# cpu|board|variants (ref: reference kernels only; opt: this core's optimized kernels)
targets=${QINFER_MCU_BENCH_TARGETS:-"cortex-m3|mps2-an385|ref cortex-m4|mps2-an386|ref,opt cortex-m55|mps3-an547|ref,opt"}
jobs=${QINFER_MCU_JOBS:-2}

extra=()
[ -f "$mcu/fashion_cnn.qinfer" ] && extra=(--model fashion_cnn "$mcu/fashion_cnn.qinfer")
"$gen" "$data" "${extra[@]}"
manifest=$data/bench_manifest.txt
# A model's MACs: the sum over its ops (the manifest has them per op).
awk '{ s = 0; for (i = 4; i <= NF; ++i) { split($i, kv, ":"); s += kv[2] } $2 = s; print }' "$manifest" >"$manifest.tmp"
mv "$manifest.tmp" "$manifest"

csv=$out/results.csv
echo "target,layer,macs,instructions" >"$csv"
ram=$out/ram.txt
: >"$ram"
flash=$out/flash.txt
: >"$flash"

for t in $targets; do
  IFS='|' read -r cpu board variants <<<"$t"
  short=${cpu#cortex-}
  for variant in ${variants//,/ }; do
    if [ "$variant" = ref ]; then
      bin=$mcu/bench_${short}_O2_ref
      opts=(-DQINFER_MCU_REFERENCE_KERNELS=ON)
      label=$short
      [ "$variants" != ref ] && label=${short}_ref
    else
      bin=$mcu/bench_${short}_O2
      opts=(-DQINFER_MCU_REFERENCE_KERNELS=OFF)
      label=$short
    fi
    QINFER_MCU_JOBS=$jobs bash "$src/tests/mcu/cross_build.sh" "$src" "$bin" "$cpu" Release "$board" \
      -DQINFER_MCU_BENCH_DIR="$data" -DQINFER_MCU_CONFORMANCE_HEADER="$conformance" "${opts[@]}" >/dev/null
    elf=$bin/bench/bench.elf
    sym() { "arm-none-eabi-nm" "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
    begin=$(sym platform_mark_begin)
    end=$(sym platform_mark_end)
    split=$(sym _ZN6qinfer11RunOperatorERKNS_6schema5ModelEPKNS0_8OperatorEPh)
    [ -n "$begin" ] && [ -n "$end" ] && [ -n "$split" ] || { echo "marker symbols missing in $elf"; exit 1; }
    counts=$out/insns_${label}.txt
    log=$out/run_${label}.txt
    if ! bash "$src/tests/mcu/run_qemu.sh" --timeout 600 \
        --plugin "$plugin,begin=$begin,end=$end,split=$split,out=$counts" "$board" "$elf" >"$log"; then
      cat "$log"
      echo "bench firmware failed on $board"
      exit 1
    fi
    if grep -q MISMATCH "$log"; then cat "$log"; echo "bench outputs differ from the host runtime"; exit 1; fi
    sed -n 's/^qinfer-ram /'"$label"' /p' "$log" >>"$ram"
    # Pair the firmware's "bench <name>" lines with the plugin's regions, in order.
    grep '^bench ' "$log" | awk '{ print $2 }' >"$out/names_${label}.txt"
    awk -v target="$label" '
      FILENAME == ARGV[1] { macs[$1] = $2; nops[$1] = NF - 3; for (i = 4; i <= NF; ++i) op[$1, i - 4] = $i; next }
      FILENAME == ARGV[2] { name[n++] = $1; next }
      /^region / {
        r = $2; nm = name[r]; total = $4
        printf "%s,%s,%s,%s\n", target, nm, macs[nm], total
        if (nops[nm] > 1) {
          # splits start at field 8: "region R insns T prologue P splits d0 d1 ..."
          for (i = 0; i < nops[nm]; ++i) {
            split(op[nm, i], kv, ":")
            printf "%s,%s/%02d_%s,%s,%s\n", target, nm, i, kv[1], kv[2], $(8 + i)
          }
        }
      }' "$manifest" "$out/names_${label}.txt" "$counts" >>"$csv"
  done
done

# ---- flash: the minimal firmware (tests/mcu/minimal_main.c), Cortex-M4 -Os ----
# "all": every opcode; per model: only the model's opcodes (QINFER_MCU_OPS); each verbose and
# terse (QINFER_MCU_TERSE_ERRORS). Libraries only are built: configure + the minimal target.
flash_build() {  # NAME OPS TERSE
  local name=$1 ops=$2 terse=$3 dir=$mcu/flash_m4_Os_$1
  QINFER_MCU_JOBS=$jobs bash "$src/tests/mcu/cross_build.sh" "$src" "$dir" cortex-m4 MinSizeRel mps2-an386 \
    -DQINFER_MCU_CONFORMANCE_HEADER="$conformance" -DQINFER_MCU_OPS="$ops" -DQINFER_MCU_TERSE_ERRORS="$terse" \
    >/dev/null
  bash "$src/tests/mcu/flash_report.sh" "$src" "$dir/minimal.map" "$name" >>"$flash"
}
flash_build all "" OFF
flash_build all_terse "" ON
while read -r name _ _ ops; do
  list=$(for o in $ops; do echo "${o%%:*}"; done | sort -u | paste -sd, -)
  flash_build "$name" "$list" OFF
  flash_build "${name}_terse" "$list" ON
done <"$manifest"

# ---- tables ----
md=$out/results.md
{
  echo "### Instructions per layer and per inference (QEMU, gcc 12.2 -O2; instructions per MAC in brackets)"
  echo
  echo "ref = reference kernels (kernels/reference/), opt = kernels/arm/ (DSP extension on M4, Helium on M55)."
  echo
  awk -F, '
    BEGIN {
      # CMSIS-NN (issue 6): M3 pure C, M4 DSP, M55 MVE
      cm["conv3x3_32x32x16_16"] = "7.89 M | 5.49 M | 0.94 M"
      cm["conv1x1_24x24x32_64"] = "4.31 M | 3.11 M | 0.73 M"
      cm["dw3x3_48x48x32"] = "6.57 M | 5.39 M | 1.82 M"
      cm["fc_1280_1000"] = "4.31 M | 2.46 M | 0.62 M"
      cm["add_8000"] = "672 k | 636 k | 110 k"
      cm["ds_cnn_kws"] = "10.53 M | 7.58 M | 1.81 M"
    }
    NR == 1 { next }
    $2 !~ /\// {
      key = $2; if (!(key in seen)) { seen[key] = 1; order[n++] = key; macs[key] = $3 }
      v = $4 / 1e6
      s = v >= 0.995 ? sprintf("%.2f M", v) : sprintf("%.0f k", $4 / 1e3)
      if ($3 > 0) s = s sprintf(" (%.2f)", $4 / $3)
      val[key, $1] = s
    }
    function get(k, t) { return ((k, t) in val) ? val[k, t] : "-" }
    END {
      print "| layer | MACs | ref M3 | ref M4 | opt M4 | ref M55 | opt M55 | CMSIS-NN C (M3) | CMSIS-NN DSP (M4) | CMSIS-NN MVE (M55) |"
      print "|---|---|---|---|---|---|---|---|---|---|"
      for (i = 0; i < n; ++i) {
        k = order[i]
        printf "| %s | %d | %s | %s | %s | %s | %s | %s |\n", k, macs[k], get(k, "m3"), get(k, "m4_ref"), get(k, "m4"), \
          get(k, "m55_ref"), get(k, "m55"), (k in cm) ? cm[k] : "- | - | -"
      }
    }' "$csv"
  echo
  echo "### DS-CNN per op (instructions of the interpreter's per-op call)"
  echo
  awk -F, '
    NR == 1 { next }
    $2 ~ /^ds_cnn_kws\// {
      key = $2; if (!(key in seen)) { seen[key] = 1; order[n++] = key; macs[key] = $3 }
      val[key, $1] = $4
    }
    function get(k, t) { return ((k, t) in val) ? val[k, t] : "-" }
    END {
      print "| op | MACs | ref M3 | ref M4 | opt M4 | ref M55 | opt M55 |"
      print "|---|---|---|---|---|---|---|"
      for (i = 0; i < n; ++i) {
        k = order[i]; nm = k; sub(/^ds_cnn_kws\//, "", nm)
        printf "| %s | %d | %s | %s | %s | %s | %s |\n", nm, macs[k], get(k, "m3"), get(k, "m4_ref"), get(k, "m4"), \
          get(k, "m55_ref"), get(k, "m55")
      }
    }' "$csv"
  echo
  echo "### RAM per model (bytes: arena + qinfer_context + stack high-water, measured by stack painting; -O2)"
  echo
  echo "| target | model | arena | context | stack | total |"
  echo "|---|---|---|---|---|---|"
  awk '{ split($3, a, "="); split($4, c, "="); split($5, s, "=");
         printf "| %s | %s | %d | %d | %d | %d |\n", $1, $2, a[2], c[2], s[2], a[2] + c[2] + s[2] }' "$ram"
  echo
  echo "### Flash, Cortex-M4 -Os (bytes; the minimal application firmware's link map)"
  echo
  echo "core = runtime/*.cc (loader with the flatbuffers verifier, semantic verifier, interpreter,"
  echo "dispatch, C API); kernels = kernels/*; terse = QINFER_TERSE_ERRORS; per model = only that"
  echo "model's opcodes compiled in (QINFER_OPS_SELECTED)."
  echo
  echo "| build | opcodes | core | core (terse) | kernels | libc+libgcc | total (terse) |"
  echo "|---|---|---|---|---|---|---|"
  awk -v manifest="$manifest" '
    BEGIN {
      while ((getline line < manifest) > 0) {
        k = split(line, f, " "); delete seen; list = ""
        for (i = 4; i <= k; ++i) { split(f[i], kv, ":"); if (!(kv[1] in seen)) { seen[kv[1]] = 1; list = list (list == "" ? "" : " ") kv[1] } }
        ops[f[1]] = list; order[n++] = f[1]
      }
      ops["all"] = "every opcode"
    }
    /^flash / {
      name = $2; sub(/:$/, "", name)
      core[name] = $4; sub(/,/, "", core[name]); kern[name] = $6; sub(/,/, "", kern[name])
      libc[name] = $8; sub(/,/, "", libc[name])
    }
    END {
      names[0] = "all"; for (i = 0; i < n; ++i) names[i + 1] = order[i]
      for (i = 0; i <= n; ++i) {
        m = names[i]; t = m "_terse"
        printf "| %s | %s | %d | %d | %d | %d | %d |\n", m, ops[m], core[m], core[t], kern[t], libc[t], core[t] + kern[t] + libc[t]
      }
    }' "$flash"
  echo
  echo '```'
  cat "$flash"
  echo '```'
} >"$md"
cat "$md"
echo
echo "wrote $csv and $md"
