// Per-channel requantization on 16 int32 lanes (AVX-512) with the per-lane constants
// precomputed once per channel block (requant_lanes.h): MultiplyByQuantizedMultiplier, + zero point, clamp, the
// arithmetic of kernels/fixedpoint.h. Included only by *_vnni.cc files (AVX-512 flags);
// internal linkage keeps AVX-512 code out of other translation units.
#ifndef QINFER_KERNELS_X86_REQUANT_AVX512_H_
#define QINFER_KERNELS_X86_REQUANT_AVX512_H_

#include <cstdint>

#include "kernels/x86/avx512.h"

#include "kernels/types.h"
#include "kernels/x86/requant_lanes.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

inline __m512i LoadLanes(const int32_t* p) { return _mm512_load_si512(p); }

// MultiplyByQuantizedMultiplier (kernels/fixedpoint.h), + zero point, clamp to [lo, hi] (the
// activation range minus zo), lanes [j, j + 16) of r (j a multiple of 16).
// The two roundings in one: with ab = x * m, P = ab + 2^30 and r the right shift,
//   SaturatingRoundingDoublingHighMul(x, m) = floor(P / 2^31)          (gemmlowp's truncating
//     division with its sign-dependent nudge is this floor, for either sign of ab), and
//   RoundingDivideByPOT(v, r) = floor((v + 2^(r-1) - [v < 0]) / 2^r)  (ties away from zero;
//     v itself when r = 0),
// and floor((floor(a / b) + c) / d) = floor((a + c * b) / (b * d)) for integers a, c and
// positive b, d, so the result is (P + 2^(30+r) - [P < 0] * 2^31) >> (31 + r), one 64-bit
// arithmetic shift (|ab| <= 2^62, no overflow). [P < 0] is ab + round < neg (RequantLanes).
// Only x = m = INT32_MIN saturates: then P / 2^31 = 2^31 and, when r = 0, the low 32 bits
// read INT32_MIN, a value no other x, m give (the smallest product is INT32_MIN * INT32_MAX);
// it becomes INT32_MAX. For r >= 1 the formula already gives the saturated result.
template <class Lanes>
inline __m512i Requant16(const Lanes& r, int32_t j, __m512i x, __m512i lo, __m512i hi,
                         __m512i zo) {
  if (r.any_lshift) x = _mm512_sllv_epi32(x, LoadLanes(r.lshift + j));
  const __m512i two31 = _mm512_set1_epi64(int64_t{1} << 31);
  const int64_t* rd = r.round + j;
  const int64_t* ng = r.neg + j;
  const int64_t* sh = r.shift64 + j;
  // Even lanes in place, odd lanes moved down (the 64-bit multiply reads the low halves).
  __m512i pe = _mm512_mul_epi32(x, LoadLanes(r.mult + j));
  __m512i po = _mm512_mul_epi32(_mm512_shuffle_epi32(x, _MM_PERM_DDBB), LoadLanes(r.mult_hi + j));
  pe = _mm512_add_epi64(pe, _mm512_load_si512(rd));
  po = _mm512_add_epi64(po, _mm512_load_si512(rd + 8));
  pe = _mm512_mask_sub_epi64(pe, _mm512_cmplt_epi64_mask(pe, _mm512_load_si512(ng)), pe, two31);
  po = _mm512_mask_sub_epi64(po, _mm512_cmplt_epi64_mask(po, _mm512_load_si512(ng + 8)), po, two31);
  pe = _mm512_srav_epi64(pe, _mm512_load_si512(sh));
  po = _mm512_srav_epi64(po, _mm512_load_si512(sh + 8));
  const __m512i interleave =
      _mm512_set_epi32(30, 14, 28, 12, 26, 10, 24, 8, 22, 6, 20, 4, 18, 2, 16, 0);
  __m512i q = _mm512_permutex2var_epi32(pe, interleave, po);
  if (r.any_sat) {
    const __m512i imin = _mm512_set1_epi32(INT32_MIN);
    q = _mm512_mask_mov_epi32(q, _mm512_cmpeq_epi32_mask(q, imin), _mm512_set1_epi32(INT32_MAX));
  }
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
