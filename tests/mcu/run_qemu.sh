#!/usr/bin/env bash
# Runs a firmware ELF on qemu-system-arm with semihosting; the firmware's exit code
# (SYS_EXIT_EXTENDED) becomes this script's. A hang is killed by the timeout (exit 124).
# Usage: run_qemu.sh [--timeout SECONDS] [--expect-exit CODE] [--plugin SO,ARGS] MACHINE ELF
#   --expect-exit: succeed only if the firmware exits with CODE (harness self-tests).
set -uo pipefail
timeout_s=60
expect=0
plugin=()
while [ $# -gt 2 ]; do
  case "$1" in
    --timeout) timeout_s=$2; shift 2 ;;
    --expect-exit) expect=$2; shift 2 ;;
    --plugin) plugin=(-plugin "$2"); shift 2 ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
done
[ $# -eq 2 ] || { echo "usage: $0 [--timeout S] [--expect-exit CODE] [--plugin SO,ARGS] MACHINE ELF"; exit 2; }
machine=$1
elf=$2
qemu=${QEMU_SYSTEM_ARM:-qemu-system-arm}
command -v "$qemu" >/dev/null || { echo "$qemu not found (scripts/setup.sh installs qemu-system-arm)"; exit 1; }
[ -f "$elf" ] || { echo "missing $elf"; exit 1; }

# Semihosting console output goes to stderr: fold it into stdout for ctest.
timeout --kill-after=5 "$timeout_s" "$qemu" -M "$machine" -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native "${plugin[@]}" -kernel "$elf" 2>&1
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "run_qemu: TIMEOUT after ${timeout_s}s ($machine $elf)"
  rc=124
fi
if [ "$expect" != 0 ]; then
  if [ "$rc" -eq "$expect" ]; then
    echo "run_qemu: exit code $rc as expected"
    exit 0
  fi
  echo "run_qemu: exit code $rc, expected $expect"
  exit 1
fi
[ "$rc" -eq 0 ] || echo "run_qemu: firmware failed with exit code $rc ($machine $elf)"
exit "$rc"
