#!/usr/bin/env bash
# MCU benchmark: instructions per layer and per inference (QEMU + the insn_count plugin), flash
# and RAM, for the reference kernels at -O2 on Cortex-M3 (mps2-an385), Cortex-M4 (mps2-an386)
# and Cortex-M55 (mps3-an547). Writes OUT/results.csv (target,layer,macs,instructions) and
# OUT/results.md, and prints the tables.
# Usage: run_bench.sh SRC_DIR MCU_BIN_DIR PLUGIN.so GEN_BENCH CONFORMANCE_HEADER
#   (the host build's `mcu_bench` target passes these)
set -euo pipefail
src=$1 mcu=$2 plugin=$3 gen=$4 conformance=$5
out=$mcu/bench
data=$mcu/bench-data
mkdir -p "$out" "$data"
targets=${QINFER_MCU_BENCH_TARGETS:-"cortex-m3|mps2-an385 cortex-m4|mps2-an386 cortex-m55|mps3-an547"}

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
  cpu=${t%%|*}
  board=${t##*|}
  short=${cpu#cortex-}
  bin=$mcu/bench_${short}_O2
  QINFER_MCU_JOBS=${QINFER_MCU_JOBS:-2} bash "$src/tests/mcu/cross_build.sh" "$src" "$bin" "$cpu" Release "$board" \
    -DQINFER_MCU_BENCH_DIR="$data" -DQINFER_MCU_CONFORMANCE_HEADER="$conformance" >/dev/null
  elf=$bin/bench/bench.elf
  sym() { "arm-none-eabi-nm" "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
  begin=$(sym platform_mark_begin)
  end=$(sym platform_mark_end)
  split=$(sym _ZN6qinfer11RunOperatorERKNS_6schema5ModelEPKNS0_8OperatorEPh)
  [ -n "$begin" ] && [ -n "$end" ] && [ -n "$split" ] || { echo "marker symbols missing in $elf"; exit 1; }
  counts=$out/insns_${short}.txt
  log=$out/run_${short}.txt
  if ! bash "$src/tests/mcu/run_qemu.sh" --timeout 600 \
      --plugin "$plugin,begin=$begin,end=$end,split=$split,out=$counts" "$board" "$elf" >"$log"; then
    cat "$log"
    echo "bench firmware failed on $board"
    exit 1
  fi
  if grep -q MISMATCH "$log"; then cat "$log"; echo "bench outputs differ from the host runtime"; exit 1; fi
  sed -n 's/^qinfer-ram /'"$short"' /p' "$log" >>"$ram"
  # Pair the firmware's "bench <name>" lines with the plugin's regions, in order.
  grep '^bench ' "$log" | awk '{ print $2 }' >"$out/names_${short}.txt"
  awk -v target="$short" '
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
    }' "$manifest" "$out/names_${short}.txt" "$counts" >>"$csv"
  # The DSP-extension kernels (kernels/arm/) vs the reference, called directly on the issue's
  # FC and conv 1x1 shapes (the firmware has them only on the 4 MiB-RAM mps2 boards).
  kelf=$bin/kernels_dsp.elf
  if [ -f "$kelf" ] && arm-none-eabi-nm "$kelf" | grep -q 'fc_w'; then
    kb=$(arm-none-eabi-nm "$kelf" | awk '$3 == "platform_mark_begin" { print "0x" $1 }')
    ke=$(arm-none-eabi-nm "$kelf" | awk '$3 == "platform_mark_end" { print "0x" $1 }')
    kcounts=$out/kernel_insns_${short}.txt
    klog=$out/kernel_run_${short}.txt
    bash "$src/tests/mcu/run_qemu.sh" --timeout 600 --plugin "$plugin,begin=$kb,end=$ke,out=$kcounts" \
      "$board" "$kelf" >"$klog" || { cat "$klog"; echo "kernel bench failed on $board"; exit 1; }
    grep '^bench ' "$klog" | awk '{ print $2 }' >"$out/kernel_names_${short}.txt"
    awk -v target="$short" '
      FILENAME == ARGV[1] { name[n++] = $1; next }
      /^region / {
        nm = name[$2]; macs = nm ~ /fc_1280_1000/ ? 1280000 : 1179648
        printf "%s,%s,%d,%s\n", target, nm, macs, $4
      }' "$out/kernel_names_${short}.txt" "$kcounts" >>"$csv"
  fi
  if [ -f "$bin/conformance.map" ]; then
    bash "$src/tests/mcu/flash_report.sh" "$src" "$bin/conformance.map" "$cpu -O2" >>"$flash"
  fi
  # -Os: the size configuration (the ctest build of the same core, if present, else build it).
  bin_os=$mcu/bench_${short}_Os
  QINFER_MCU_JOBS=${QINFER_MCU_JOBS:-2} bash "$src/tests/mcu/cross_build.sh" "$src" "$bin_os" "$cpu" MinSizeRel "$board" \
    -DQINFER_MCU_CONFORMANCE_HEADER="$conformance" >/dev/null
  bash "$src/tests/mcu/flash_report.sh" "$src" "$bin_os/conformance.map" "$cpu -Os" >>"$flash"
done

# ---- tables ----
md=$out/results.md
{
  echo "### Instructions per layer (QEMU, reference kernels, gcc 12.2 -O2; instructions per MAC in brackets)"
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
    END {
      print "| layer | MACs | qinfer ref M3 | qinfer ref M4 | qinfer ref M55 | CMSIS-NN C (M3) | CMSIS-NN DSP (M4) | CMSIS-NN MVE (M55) |"
      print "|---|---|---|---|---|---|---|---|"
      for (i = 0; i < n; ++i) {
        k = order[i]
        printf "| %s | %d | %s | %s | %s | %s |\n", k, macs[k], val[k, "m3"], val[k, "m4"], val[k, "m55"], \
          (k in cm) ? cm[k] : "- | - | -"
      }
    }' "$csv"
  echo
  echo "### Kernel calls: reference vs DSP extension (kernels/arm/), called directly"
  echo
  awk -F, '
    BEGIN { cm["kernel_fc_1280_1000"] = "4.31 M | 2.46 M"; cm["kernel_conv1x1_24x24x32_64"] = "4.31 M | 3.11 M" }
    NR == 1 { next }
    $2 ~ /^kernel_/ {
      split($2, p, "/"); key = p[1]
      if (!(key in seen)) { seen[key] = 1; order[n++] = key; macs[key] = $3 }
      val[key, $1, p[2]] = sprintf("%.2f M (%.2f)", $4 / 1e6, $4 / $3)
    }
    END {
      print "| layer | MACs | ref M3 | ref M4 | DSP M4 | CMSIS-NN C (M3) | CMSIS-NN DSP (M4) |"
      print "|---|---|---|---|---|---|---|"
      for (i = 0; i < n; ++i) {
        k = order[i]
        printf "| %s | %d | %s | %s | %s | %s |\n", k, macs[k], val[k, "m3", "ref"], val[k, "m4", "ref"], val[k, "m4", "fast"], cm[k]
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
    END {
      print "| op | MACs | M3 | M4 | M55 |"
      print "|---|---|---|---|---|"
      for (i = 0; i < n; ++i) {
        k = order[i]; sub(/^ds_cnn_kws\//, "", k)
        printf "| %s | %d | %s | %s | %s |\n", k, macs[order[i]], val[order[i], "m3"], val[order[i], "m4"], val[order[i], "m55"]
      }
    }' "$csv"
  echo
  echo "### RAM per model (bytes: arena + qinfer_context + stack high-water, measured by stack painting)"
  echo
  echo "| target | model | arena | context | stack | total |"
  echo "|---|---|---|---|---|---|"
  awk '{ split($3, a, "="); split($4, c, "="); split($5, s, "=");
         printf "| %s | %s | %d | %d | %d | %d |\n", $1, $2, a[2], c[2], s[2], a[2] + c[2] + s[2] }' "$ram"
  echo
  echo "### Flash per model, Cortex-M4 -Os (bytes): runtime core + the kernel objects its ops use + libc/libgcc"
  echo
  echo "(Today op_dispatch.cc references every kernel, so a firmware links all of them; these are"
  echo "the sizes a per-model kernel registry would give.)"
  echo
  awk '
    FILENAME == ARGV[1] {
      if ($0 ~ /^flash cortex-m4 -Os:/) { m4 = 1; core = $5; sub(/,/, "", core); libc = $9; sub(/,/, "", libc); next }
      if ($0 ~ /^flash /) m4 = 0
      if (m4 && $1 == "kernels") { for (i = 4; i <= NF; ++i) { split($i, kv, "="); size[kv[1]] = kv[2] } }
      next
    }
    {
      obj["CONV_2D"] = "conv2d"; obj["DEPTHWISE_CONV_2D"] = "depthwise_conv2d"; obj["FULLY_CONNECTED"] = "fully_connected"
      obj["ADD"] = "elementwise"; obj["MUL"] = "elementwise"; obj["MAX_POOL_2D"] = "pooling"; obj["AVG_POOL_2D"] = "pooling"
      obj["MEAN"] = "mean"; obj["SOFTMAX"] = "softmax"; obj["LOOKUP_TABLE"] = "lookup_table"; obj["REQUANTIZE"] = "requantize"
      obj["CONCATENATION"] = "requantize"; obj["PAD"] = "pad"; obj["TRANSPOSE"] = "transpose"
      delete used; k = 0; list = ""
      for (i = 4; i <= NF; ++i) {
        split($i, kv, ":"); o = obj[kv[1]]
        if (o != "" && !(o in used)) { used[o] = 1; k += size[o]; list = list (list == "" ? "" : " ") o }
      }
      if (FNR == 1) { print "| model | kernels | core | kernels | libc+libgcc | total |"; print "|---|---|---|---|---|---|" }
      printf "| %s | %s | %d | %d | %d | %d |\n", $1, list, core, k, libc, core + k + libc
    }' "$flash" "$manifest"
  echo
  echo "### Flash (bytes, conformance firmware link map; core = runtime/*.cc: loader, verifier, interpreter, C API)"
  echo
  echo '```'
  cat "$flash"
  echo '```'
} >"$md"
cat "$md"
echo
echo "wrote $csv and $md"
