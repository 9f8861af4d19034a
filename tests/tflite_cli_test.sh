#!/usr/bin/env bash
# `qinfer convert MODEL.tflite` through the command line: the TFLite Micro models convert
# with no calibration and verify; a broken file fails with one error line and no output.
# Args: SRC_DIR BUILD_DIR QINFER_TOOL
set -euo pipefail
src="$1"; tool="$3"
tflm="$src/../shared/conformance/tflm"
[ -d "$tflm" ] || { echo "skip: ../shared/conformance/tflm not present"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$tool" convert "$tflm/hello_world_int8.tflite" -o "$work/hw.qinfer" --emit-c "$work/hw.h" | grep -q "3 FULLY_CONNECTED"
"$tool" inspect "$work/hw.qinfer" | grep -q "arena bytes"
grep -q "alignas(16)" "$work/hw.h"
"$tool" convert "$tflm/network_tester/network_model.tflite" -o "$work/nt.qinfer" | grep -q DEPTHWISE_CONV_2D
head -c 100 "$tflm/hello_world_int8.tflite" > "$work/cut.tflite"
echo keep > "$work/existing.qinfer"
if "$tool" convert "$work/cut.tflite" -o "$work/existing.qinfer" 2>"$work/err"; then echo "truncated model accepted"; exit 1; fi
[ "$(wc -l < "$work/err")" -eq 1 ] && grep -q '^error: ' "$work/err"
[ "$(cat "$work/existing.qinfer")" = keep ] || { echo "existing output clobbered"; exit 1; }
echo "tflite CLI ok"
