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

// Lanes [0, 16) as RequantLanes::Fill(rq, c0, n) builds them for a block of n <= 16
// channels (per channel: multiplier 0 and shift 0 past n; per tensor: all 16 alike), in
// vector ops: for a tiny op the scalar fill was a quarter of its time. Lanes from 16 on are
// not written: a per-tensor rq serves one block only. Shifts in [-31, 31].
template <int32_t N>
inline void FillFirstVector(const Requant& rq, int32_t c0, int32_t n, RequantLanes<N>* r) {
  const __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
  const __m512i zero = _mm512_setzero_si512();
  const bool uniform = rq.count == 1;
  const __m512i mult = uniform ? _mm512_set1_epi32(rq.multiplier[0])
                               : _mm512_maskz_loadu_epi32(m, rq.multiplier + c0);
  const __m512i s = uniform ? _mm512_set1_epi32(rq.shift[0])
                            : _mm512_maskz_loadu_epi32(m, rq.shift + c0);
  const __m512i rsh = _mm512_max_epi32(_mm512_sub_epi32(zero, s), zero);
  _mm512_store_si512(r->mult, mult);
  _mm512_store_si512(r->mult_hi, _mm512_permutexvar_epi32(
      _mm512_set_epi32(15, 15, 13, 13, 11, 11, 9, 9, 7, 7, 5, 5, 3, 3, 1, 1), mult));
  _mm512_store_si512(r->lshift, _mm512_max_epi32(s, zero));
  _mm512_store_si512(r->rshift, rsh);
  // The 64-bit constants: the even lanes' 8, then the odd lanes' 8.
  const __m512i even_odd = _mm512_permutexvar_epi32(
      _mm512_set_epi32(15, 13, 11, 9, 7, 5, 3, 1, 14, 12, 10, 8, 6, 4, 2, 0), rsh);
  for (int32_t h = 0; h < 2; ++h) {
    const __m512i rr = _mm512_cvtepu32_epi64(h == 0 ? _mm512_castsi512_si256(even_odd)
                                                    : _mm512_extracti64x4_epi64(even_odd, 1));
    const __m512i half = _mm512_maskz_sllv_epi64(_mm512_cmpgt_epi64_mask(rr, zero),
                                                 _mm512_set1_epi64(1),
                                                 _mm512_add_epi64(rr, _mm512_set1_epi64(30)));
    _mm512_store_si512(r->round + 8 * h, _mm512_add_epi64(half, _mm512_set1_epi64(int64_t{1} << 30)));
    _mm512_store_si512(r->neg + 8 * h, _mm512_mask_mov_epi64(half, _mm512_cmpeq_epi64_mask(rr, zero),
                                                            _mm512_set1_epi64(INT64_MIN)));
    _mm512_store_si512(r->shift64 + 8 * h, _mm512_add_epi64(rr, _mm512_set1_epi64(31)));
  }
  r->any_lshift = _mm512_cmpgt_epi32_mask(s, zero) != 0;
  r->any_sat = _mm512_cmpeq_epi32_mask(mult, _mm512_set1_epi32(INT32_MIN)) != 0;
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
