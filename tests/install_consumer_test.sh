#!/usr/bin/env bash
# `cmake --install` gives a tree a C firmware project can consume with find_package(qinfer).
# Args: SRC_DIR BUILD_DIR QINFER_TOOL
set -euo pipefail
build="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -x "$work/prefix/bin/qinfer"
test -f "$work/prefix/include/qinfer/runtime/qinfer.h"
mkdir -p "$work/consumer"
cat > "$work/consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(consumer C CXX)
find_package(qinfer REQUIRED)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE qinfer::qinfer_runtime stdc++)
CM
cat > "$work/consumer/main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "runtime/qinfer.h"
int main(void) {
  static unsigned char bytes[64] __attribute__((aligned(16)));
  qinfer_error err;
  memset(bytes, 0, sizeof bytes);
  int32_t rc = qinfer_verify(bytes, sizeof bytes, &err);
  printf("%d %s\n", rc, err.message);
  return rc == 4 ? 0 : 1; /* not a qinfer file: kBadIdentifier */
}
C
cmake -S "$work/consumer" -B "$work/consumer/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer/build" >/dev/null
"$work/consumer/build/consumer"
"$work/prefix/bin/qinfer" --help | grep -q conformance
echo "installed tree consumed with find_package(qinfer)"
