#!/usr/bin/env bash
# The main job, end to end: install missing packages, build, convert the bundled float
# Fashion-MNIST CNN (ONNX) with its calibration data into an int8 qinfer model, run the
# full 10k test set through the runtime, and print float vs int8 accuracy, arena bytes,
# model bytes and time per inference.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target qinfer
mkdir -p out
data=/usr/share/datasets/fashion-mnist

echo "== qinfer convert"
build/qinfer convert models/fashion_cnn.onnx --calib models/fashion_calib.npy \
  -o out/fashion_cnn.qinfer --report out/fashion_cnn_report.html --emit-c out/fashion_cnn.h
echo "== qinfer evaluate (Fashion-MNIST test set)"
build/qinfer evaluate out/fashion_cnn.qinfer --onnx models/fashion_cnn.onnx \
  --images "$data/t10k-images-idx3-ubyte.gz" --labels "$data/t10k-labels-idx1-ubyte.gz"
echo "(per-layer report: out/fashion_cnn_report.html; firmware header: out/fashion_cnn.h)"
