#!/usr/bin/env bash
# `qinfer convert` + `qinfer evaluate` on the bundled Fashion-MNIST CNN and its 1000-image
# fixture: the int8 model must stay close to float. Args: SRC_DIR BUILD_DIR QINFER_TOOL
set -euo pipefail
src="$1"; tool="$3"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$tool" convert "$src/models/fashion_cnn.onnx" --calib "$src/models/fashion_calib.npy" -o "$work/m.qinfer" >/dev/null
out=$("$tool" evaluate "$work/m.qinfer" --onnx "$src/models/fashion_cnn.onnx" \
  --images "$src/models/fashion_test_1000_u8.npy" --labels "$src/models/fashion_test_1000_labels.npy" --limit 300)
echo "$out"
pct() { echo "$out" | awk -v k="$1" '$0 ~ k {for (i=1;i<=NF;i++) if ($i ~ /^[0-9.]+$/) {print $i; exit}}'; }
float=$(pct "float top-1"); int8=$(pct "int8  top-1"); agree=$(pct "argmax agreement")
awk -v f="$float" -v q="$int8" -v a="$agree" 'BEGIN { exit !(f > 85 && q > 85 && f - q < 2 && a > 97) }' ||
  { echo "accuracy out of bounds: float $float int8 $int8 agreement $agree"; exit 1; }
# Failure paths: one line on stderr, non-zero exit.
if "$tool" evaluate "$work/m.qinfer" --onnx "$src/models/fashion_cnn.onnx" --images /nonexistent --labels /nonexistent 2>"$work/err"; then
  echo "missing data accepted"; exit 1
fi
grep -q '^error: ' "$work/err"
