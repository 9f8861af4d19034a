#!/usr/bin/env bash
# Configures and builds the Cortex-M cross build (tests/mcu) for one core / build type / board.
# Usage: cross_build.sh SRC_DIR BIN_DIR CPU BUILD_TYPE BOARD [-DVAR=VALUE ...]
#   BOARD may be "" (runtime library only). Builds with one job: ctest runs several at once.
set -euo pipefail
src=$1 bin=$2 cpu=$3 build_type=$4 board=$5
shift 5
start=$(date +%s)
cmake -S "$src/tests/mcu" -B "$bin" -G "${CMAKE_GENERATOR:-Unix Makefiles}" \
  -DCMAKE_TOOLCHAIN_FILE="$src/cmake/arm-none-eabi.cmake" -DQINFER_MCU_CPU="$cpu" \
  -DCMAKE_BUILD_TYPE="$build_type" -DQINFER_MCU_BOARD="$board" "$@" >"$bin.configure.log" 2>&1 ||
  { cat "$bin.configure.log"; exit 1; }
cmake --build "$bin" -j"${QINFER_MCU_JOBS:-1}" >"$bin.build.log" 2>&1 || { cat "$bin.build.log"; exit 1; }
for fw in conformance minimal; do
  if [ -f "$bin/$fw.map" ]; then
    bash "$src/tests/mcu/flash_report.sh" "$src" "$bin/$fw.map" "$cpu $build_type ($board) $fw firmware"
  fi
done
echo "cross build $cpu $build_type ${board:-(library only)}: ok in $(( $(date +%s) - start )) s"
