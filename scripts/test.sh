#!/usr/bin/env bash
# Runs every test: installs missing packages, builds (Release, then ASan+UBSan), runs ctest.
# Usage: scripts/test.sh            (QINFER_SKIP_SANITIZE=1 skips the sanitizer build)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

if [ "${QINFER_SKIP_SANITIZE:-0}" != "1" ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQINFER_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$jobs"
  # Accuracy tests are covered by the Release run; here they would only cost time.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j"$jobs" -E 'runtime_purity|install_consumer|FashionMnist|BlazeFace')
fi
