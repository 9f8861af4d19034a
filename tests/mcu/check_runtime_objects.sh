#!/usr/bin/env bash
# The runtime library cross-built for a Cortex-M core must not call into the heap, C++
# runtime support or floating point. Checked on the built objects (so no header or compiler
# choice can sneak any in):
#  - undefined symbols: no malloc/free/new/delete, no __cxa_* / unwinder / personality, no
#    soft-float helpers (__aeabi_f*, __aeabi_d*, __aeabi_*2f, __aeabi_*2d, libgcc's
#    __addsf3 ... and libm);
#  - no .init_array/.ctors/.preinit_array (static constructors);
#  - no floating-point instructions (matters for hard-float builds; soft-float builds have
#    none by construction, so there the helpers above are the proof).
# A self-test first compiles a float and a `new` use with the same compiler and flags and
# makes sure this script's patterns catch them.
# Usage: check_runtime_objects.sh MCU_BUILD_DIR
#   (a tests/mcu cross build: qinfer/libqinfer.a and qinfer-mcu-toolchain.sh, which gives the
#   binutils prefix and the C++ compile command)
set -euo pipefail
bin=$1
lib=$bin/qinfer/libqinfer.a
# shellcheck disable=SC1091
. "$bin/qinfer-mcu-toolchain.sh"
nm="${prefix}nm"
objdump="${prefix}objdump"
[ -f "$lib" ] || { echo "missing $lib"; exit 1; }

heap='^(malloc|calloc|realloc|free|_malloc_r|_free_r|_calloc_r|_realloc_r|memalign|posix_memalign|aligned_alloc|_sbrk|_sbrk_r|_Zn[wa]|_Zd[la])'
cxxrt='^(__cxa_|__gxx_personality|_Unwind_|__aeabi_unwind|__dynamic_cast|__cxa_pure_virtual|atexit|__aeabi_atexit|abort|__assert_func|_ZSt|_ZNSt|printf|puts|sprintf|snprintf|fprintf)'
softfloat='^(__aeabi_[fd]|__aeabi_[a-z0-9]*2[fd]$|__aeabi_[fd]2|__(add|sub|mul|div|neg|fix|fixuns|float|floatun|extend|trunc|eq|ne|lt|le|gt|ge|unord|cmp)[a-z]*[sdt]f[0-9]?$|__powi[sd]f2|sqrtf?$|expf?$|logf?$|powf?$|frexpf?$|ldexpf?$|roundf?$|lroundf?$|floorf?$|ceilf?$|fabsf?$)'
fpinsn='\sv(add|sub|mul|div|fma|fms|nmul|nmla|nmls|mla|mls|neg|abs|sqrt|cmp|cmpe|cvt[a-z]*|rint[a-z]*|sel[a-z]*|maxnm|minnm)\.f(16|32|64)\b|\svcvt[a-z]*\.(s32|u32|s16|u16)\.f(16|32|64)\b|\svcvt[a-z]*\.f(16|32|64)\.(s32|u32|s16|u16|f16|f32|f64)\b'

check() {  # LIB -> prints problems, returns 1 if any
  local l=$1 bad=0 undefined
  undefined=$("$nm" -u --no-demangle "$l" 2>/dev/null | awk '{print $NF}' | sort -u)
  local h c f s fp
  h=$(grep -E "$heap" <<<"$undefined" || true)
  c=$(grep -E "$cxxrt" <<<"$undefined" || true)
  f=$(grep -E "$softfloat" <<<"$undefined" || true)
  [ -n "$h" ] && { echo "heap calls:"; echo "$h" | sed 's/^/  /'; bad=1; }
  [ -n "$c" ] && { echo "C++ runtime / stdio calls:"; echo "$c" | sed 's/^/  /'; bad=1; }
  [ -n "$f" ] && { echo "soft-float / libm helpers:"; echo "$f" | sed 's/^/  /'; bad=1; }
  s=$("$objdump" -h "$l" | grep -E '\.(init_array|preinit_array|ctors|fini_array|dtors)' || true)
  [ -n "$s" ] && { echo "static constructor sections:"; echo "$s" | sed 's/^/  /'; bad=1; }
  fp=$("$objdump" -d --no-show-raw-insn "$l" | grep -E "$fpinsn" || true)
  [ -n "$fp" ] && { echo "floating-point instructions:"; echo "$fp" | head -20 | sed 's/^/  /'; bad=1; }
  return $bad
}

# Self-test: the patterns must catch a float op and a heap allocation from this compiler.
if true; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cat >"$tmp/bad.cc" <<'SRC'
float scale(float x, int y) { return x * 1.5f + static_cast<float>(y); }
double twice(double x) { return x * 2.0; }
int* make() { return new int(3); }
SRC
  # shellcheck disable=SC2086
  $cxx -c "$tmp/bad.cc" -o "$tmp/bad.o"
  "${prefix}ar" rc "$tmp/libbad.a" "$tmp/bad.o"
  if out=$(check "$tmp/libbad.a"); then
    echo "self-test FAILED: a float/heap object passed the check"; exit 1
  fi
  grep -q 'heap calls' <<<"$out" || { echo "self-test FAILED: operator new not caught"; echo "$out"; exit 1; }
  grep -qE 'soft-float|floating-point instructions' <<<"$out" || { echo "self-test FAILED: float not caught"; echo "$out"; exit 1; }
  echo "self-test: the check catches float and heap use ($(grep -cE '^  ' <<<"$out") findings)"
fi

if check "$lib"; then
  objects=$("${prefix}ar" t "$lib" | wc -l)
  helpers=$("$nm" -u --no-demangle "$lib" | awk '{print $NF}' | grep -E '^__(aeabi|gnu)_' | sort -u | tr '\n' ' ')
  echo "$(basename "$lib"): $objects objects; no heap, no C++ runtime, no float, no static constructors"
  echo "integer helpers referenced: ${helpers:-none}"
else
  exit 1
fi
