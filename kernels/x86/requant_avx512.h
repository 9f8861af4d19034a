// Per-channel requantization on 16 int32 lanes (AVX-512) with the per-lane constants
// precomputed once per channel block (requant_lanes.h): MultiplyByQuantizedMultiplier, + zero point, clamp, the
// arithmetic of kernels/fixedpoint.h. Included only by *_vnni.cc files (AVX-512 flags);
// internal linkage keeps AVX-512 code out of other translation units.
#ifndef QINFER_KERNELS_X86_REQUANT_AVX512_H_
#define QINFER_KERNELS_X86_REQUANT_AVX512_H_

// GCC 12 flags its own _mm512_undefined_epi32() (self-initialized) inside AVX-512 intrinsics;
// for the rest of each including *_vnni.cc file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include <cstdint>

#include "kernels/types.h"
#include "kernels/x86/requant_lanes.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

inline __m512i LoadLanes(const int32_t* p) { return _mm512_load_si512(p); }

// SaturatingRoundingDoublingHighMul as (x * m + 2^30) >> 31 (equal to gemmlowp's truncating
// division for both signs; only INT32_MIN * INT32_MIN saturates), then RoundingDivideByPOT
// (ties away from zero), then clamp to [lo, hi] (act range minus zo) and add zo.
// Lanes [j, j + 16) of r (j a multiple of 16).
template <class Lanes>
inline __m512i Requant16(const Lanes& r, int32_t j, __m512i x, __m512i lo, __m512i hi,
                         __m512i zo) {
  if (r.any_lshift) x = _mm512_sllv_epi32(x, LoadLanes(r.lshift + j));
  const __m512i mult = LoadLanes(r.mult + j);
  const __m512i nudge = _mm512_set1_epi64(1LL << 30);
  const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x, mult), nudge);
  const __m512i po = _mm512_add_epi64(
      _mm512_mul_epi32(_mm512_srli_epi64(x, 32), LoadLanes(r.mult_hi + j)), nudge);
  __m512i v = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
  if (r.any_sat) {
    const __m512i imin = _mm512_set1_epi32(INT32_MIN);
    const __mmask16 sat = _mm512_cmpeq_epi32_mask(x, imin) & _mm512_cmpeq_epi32_mask(mult, imin);
    v = _mm512_mask_mov_epi32(v, sat, _mm512_set1_epi32(INT32_MAX));
  }
  const __m512i rem = _mm512_and_si512(v, LoadLanes(r.rmask + j));
  const __m512i thr = _mm512_add_epi32(LoadLanes(r.rhalf + j), _mm512_srli_epi32(v, 31));
  __m512i q = _mm512_srav_epi32(v, LoadLanes(r.rshift + j));
  q = _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, _mm512_set1_epi32(1));
  q = _mm512_min_epi32(_mm512_max_epi32(q, lo), hi);
  return _mm512_add_epi32(q, zo);
}

// Shift range the lanes handle; callers fall back to the general kernels outside it.
inline bool RequantShiftsOk(const Requant& rq) {
  for (int32_t i = 0; i < rq.count; ++i)
    if (rq.shift[i] < -31 || rq.shift[i] > 31) return false;
  return true;
}

}  // namespace
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_REQUANT_AVX512_H_
