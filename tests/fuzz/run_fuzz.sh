#!/usr/bin/env bash
# Fuzz step: configures + builds tests/fuzz with clang in <BUILD_DIR>/fuzz, then runs each
# libFuzzer target for QINFER_FUZZ_SECONDS (default 60) over a temporary copy of its seed
# corpus (the repo's corpus is never modified). Fails on any crash, leak, timeout or OOM;
# the crashing input is left in <BUILD_DIR>/fuzz/artifacts/<target>/.
# The mutation sequence is seeded (QINFER_FUZZ_SEED, default 1) so a CI failure replays the
# same way on any machine; QINFER_FUZZ_SEED=0 lets libFuzzer pick a fresh seed for exploration.
# Usage: run_fuzz.sh SRC_DIR BUILD_DIR [target...]     exit 77 = skipped (no clang/libFuzzer)
set -uo pipefail
src=$(cd "$1" && pwd)
build=$2
shift 2
seconds=${QINFER_FUZZ_SECONDS:-60}
seed=${QINFER_FUZZ_SEED:-1}
if [ "$seconds" = "0" ]; then echo "QINFER_FUZZ_SECONDS=0: fuzzing skipped"; exit 77; fi
if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "clang with libFuzzer not installed: fuzzing skipped"; exit 77
fi
fb="$build/fuzz"
if [ ! -f "$fb/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$src/tests/fuzz" -B "$fb" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$fb.configure.log" 2>&1 \
    || { cat "$fb.configure.log"; echo "fuzz: configure failed"; exit 1; }
fi
cmake --build "$fb" -j"${QINFER_FUZZ_JOBS:-$(nproc)}" || { echo "fuzz: build failed"; exit 1; }
targets=("$@")
[ ${#targets[@]} -eq 0 ] && read -r -a targets < <(tr ';' ' ' <"$fb/targets.txt")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  work=$(mktemp -d)
  cp -r "$src/tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
  rm -f "$work/README.md"
  mkdir -p "$fb/artifacts/$t"
  echo "== $t: ${seconds}s over $(ls "$work" | wc -l) seeds"
  "$fb/$t" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 -seed="$seed" \
      -print_final_stats=1 -artifact_prefix="$fb/artifacts/$t/" >"$fb/$t.log" 2>&1
  rc=$?
  grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^Done' "$fb/$t.log"
  if [ $rc -ne 0 ]; then
    failed=1
    echo "fuzz: $t FAILED (exit $rc); input kept in $fb/artifacts/$t/"
    grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$fb/$t.log" | head -20
  fi
  rm -rf "$work"
done
exit $failed
