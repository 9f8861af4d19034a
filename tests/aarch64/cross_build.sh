#!/usr/bin/env bash
# Configures and builds the AArch64 cross build (tests/aarch64).
# Usage: cross_build.sh SRC_DIR BIN_DIR [-DVAR=VALUE ...]
#   Jobs: QINFER_AARCH64_JOBS (default 2). Exit 77 (skip) when the cross compiler is missing.
set -euo pipefail
src=$1 bin=$2
shift 2
command -v aarch64-linux-gnu-g++ >/dev/null || { echo "aarch64-linux-gnu-g++ missing (scripts/setup.sh)"; exit 77; }
start=$(date +%s)
cmake -S "$src/tests/aarch64" -B "$bin" -G "${CMAKE_GENERATOR:-Unix Makefiles}" \
  -DCMAKE_TOOLCHAIN_FILE="$src/cmake/aarch64-linux-gnu.cmake" -DCMAKE_BUILD_TYPE=Release "$@" \
  >"$bin.configure.log" 2>&1 || { cat "$bin.configure.log"; exit 1; }
cmake --build "$bin" -j"${QINFER_AARCH64_JOBS:-2}" >"$bin.build.log" 2>&1 || { tail -100 "$bin.build.log"; exit 1; }
echo "aarch64 cross build: ok in $(( $(date +%s) - start )) s"
