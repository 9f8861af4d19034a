#!/usr/bin/env bash
# Checks the insn_count plugin on a firmware that brackets each qinfer_invoke with the
# markers: one region per invoke, each with one split per op, and the splits + prologue
# adding up to the region's total.
# Usage: plugin_test.sh TESTS_MCU_DIR PLUGIN.so MACHINE FIRMWARE.elf
set -euo pipefail
dir=$1 plugin=$2 machine=$3 elf=$4
nm=arm-none-eabi-nm
sym() { "$nm" "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
begin=$(sym platform_mark_begin)
end=$(sym platform_mark_end)
split=$(sym _ZN6qinfer11RunOperatorERKNS_6schema5ModelEPKNS0_8OperatorEPh)
[ -n "$begin" ] && [ -n "$end" ] && [ -n "$split" ] || { echo "marker symbols missing in $elf"; exit 1; }
counts=$(mktemp)
trap 'rm -f "$counts"' EXIT
bash "$dir/run_qemu.sh" --plugin "$plugin,begin=$begin,end=$end,split=$split,out=$counts" "$machine" "$elf" >/dev/null
cat "$counts"
awk '
  /^region / {
    ++regions
    sum = $6
    for (i = 8; i <= NF; ++i) sum += $i
    if ($3 != "insns" || $5 != "prologue" || $7 != "splits" || NF < 8) { print "malformed: " $0; bad = 1 }
    else if (sum != $4) { print "splits + prologue = " sum " != total " $4; bad = 1 }
    if ($4 < 1000) { print "implausibly few instructions: " $0; bad = 1 }
  }
  /^total insns / { total = $3 }
  END {
    if (regions < 4) { print "expected a region per invoke, got " regions; bad = 1 }
    if (total <= 0) { print "no total"; bad = 1 }
    if (!bad) print "plugin ok: " regions " regions"
    exit bad
  }' "$counts"
