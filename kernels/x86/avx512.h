// What every AVX-512 kernel file includes first (compiled with the VNNI flags): the
// intrinsics, and the target attribute of functions that also need AVX512-VBMI (the
// dispatcher checks cpuid for it before calling them).
#ifndef QINFER_KERNELS_X86_AVX512_H_
#define QINFER_KERNELS_X86_AVX512_H_

// GCC 12 flags its own _mm512_undefined_epi32() (self-initialized) inside AVX-512
// intrinsics; silenced for the rest of each including file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#define QINFER_VBMI __attribute__((target("avx512vbmi")))

#endif  // QINFER_KERNELS_X86_AVX512_H_
