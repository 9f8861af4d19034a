#!/usr/bin/env bash
# The runtime library (runtime/ + kernels/) must hold no heap, no exceptions, no RTTI, no
# static constructors and no floating-point arithmetic. Checked on the built objects, so a
# header or the compiler cannot sneak any in. Args: SRC_DIR BUILD_DIR QINFER_TOOL
# QINFER_BINUTILS_PREFIX (e.g. aarch64-linux-gnu-) checks a cross-built library.
set -euo pipefail
lib="$2/libqinfer.a"
nm="${QINFER_BINUTILS_PREFIX:-}nm"
objdump="${QINFER_BINUTILS_PREFIX:-}objdump"
ar="${QINFER_BINUTILS_PREFIX:-}ar"
[ -f "$lib" ] || { echo "missing $lib"; exit 1; }
fail=0

undefined=$("$nm" -u --no-demangle "$lib" | awk '{print $2}' | sort -u)
# malloc/free/new/delete, exception machinery, and libm/float helpers.
bad=$(echo "$undefined" | grep -E '^(malloc|calloc|realloc|free|_Znw|_Zna|_Zdl|_Zda|__cxa_throw|__cxa_allocate_exception|__cxa_begin_catch|__gxx_personality|_Unwind_Resume|__dynamic_cast|__cxa_guard_acquire|__cxa_atexit|atexit|printf|sprintf|snprintf)' || true)
bad+=$(echo "$undefined" | grep -E '^(__(add|sub|mul|div|fix|float|extend|trunc)[a-z]*[sdt]f|sqrt|exp|log|pow|frexp|ldexp|round|lround|floor|ceil)' || true)
if [ -n "$bad" ]; then echo "forbidden undefined symbols:"; echo "$bad"; fail=1; fi

rtti=$("$nm" --defined-only --no-demangle "$lib" | awk '{print $3}' | grep -E '^_ZT[IS]' || true)
if [ -n "$rtti" ]; then echo "RTTI symbols:"; echo "$rtti"; fail=1; fi

ctors=$("$objdump" -h "$lib" | grep -E '\.(init_array|ctors)' || true)
if [ -n "$ctors" ]; then echo "static constructors:"; echo "$ctors"; fail=1; fi

# Floating-point arithmetic: SSE/AVX scalar or packed float math and x87; on AArch64 the
# f* arithmetic/conversion/compare instructions and [su]cvtf. Integer vector code may use
# movaps/movups/xorps (x86) or fmov (AArch64) for plain data, which are not arithmetic.
fp=$("$objdump" -d --no-show-raw-insn "$lib" |
     grep -E '\s(v?(add|sub|mul|div|sqrt|min|max|rcp|rsqrt|round|fmadd[0-9]*|fmsub[0-9]*)(ss|sd|ps|pd)|v?cvt[a-z0-9]*(ss|sd|ps|pd)[a-z0-9]*|v?u?comis[sd]|f(ld|st|add|mul|div|sub)[a-z]*|f(n?m(add|sub)|sqrt|cvt[a-z]*|cmpe?|abs|neg|max|min)[a-z]*|[su]cvtf)\s' || true)
if [ -n "$fp" ]; then echo "floating-point instructions:"; echo "$fp" | head -20; fail=1; fi

objects=$("$ar" t "$lib" | wc -l)
if [ "$fail" -eq 0 ]; then echo "runtime library clean: $objects objects, no heap/exceptions/RTTI/ctors/float"; fi
exit $fail
