#!/usr/bin/env bash
# Installs the Debian packages qinfer needs to build, test and run its main job.
# Idempotent: only missing packages are installed, and `apt-get update` runs at most once.
# Usage: scripts/setup.sh [--dev]   (--dev adds the Python ML stack used to regenerate models)
set -euo pipefail

pkgs=(cmake g++ make pkg-config
      libflatbuffers-dev flatbuffers-compiler libgemmlowp-dev
      libxnnpack-dev libpthreadpool-dev
      libgtest-dev libgmock-dev libbenchmark-dev
      libprotobuf-dev protobuf-compiler libonnx-dev nlohmann-json3-dev
      dataset-fashion-mnist
      gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
      g++-aarch64-linux-gnu qemu-user googletest)
if [ "${1:-}" = "--dev" ]; then
  pkgs+=(python3-torch python3-onnx python3-numpy python3-sklearn python3-skimage)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
