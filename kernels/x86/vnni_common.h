// AVX-512 helpers shared by the VNNI kernel files (gemm_vnni.cc, gemm_packed_vnni.cc); include
// only from files compiled with the VNNI flags. Internal linkage, like driver.h.
#ifndef QINFER_KERNELS_X86_VNNI_COMMON_H_
#define QINFER_KERNELS_X86_VNNI_COMMON_H_

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/driver.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

inline __mmask64 TailMask(int32_t rem) {
  return rem >= 64 ? ~0ULL : ((1ULL << rem) - 1);
}

// gemmlowp MultiplyByQuantizedMultiplier + AddZeroPointAndClamp on 16 lanes, bit-exact.
inline __m512i Requant16(__m512i x, __m512i mult, __m512i lsh, __m512i rsh, __m512i lo,
                         __m512i hi, __m512i zo) {
  x = _mm512_sllv_epi32(x, lsh);
  // SaturatingRoundingDoublingHighMul: (x * m + 2^30) >> 31 (equal to gemmlowp's
  // truncating division for both signs); only INT32_MIN * INT32_MIN saturates.
  const __m512i nudge = _mm512_set1_epi64(1LL << 30);
  const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x, mult), nudge);
  const __m512i po = _mm512_add_epi64(
      _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(mult, 32)), nudge);
  __m512i r = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
  const __m512i imin = _mm512_set1_epi32(INT32_MIN);
  const __mmask16 sat = _mm512_cmpeq_epi32_mask(x, imin) & _mm512_cmpeq_epi32_mask(mult, imin);
  r = _mm512_mask_mov_epi32(r, sat, _mm512_set1_epi32(INT32_MAX));
  // RoundingDivideByPOT: ties away from zero.
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, rsh), one);
  const __m512i rem = _mm512_and_si512(r, mask);
  const __m512i thr = _mm512_add_epi32(_mm512_srai_epi32(mask, 1), _mm512_srli_epi32(r, 31));
  __m512i q = _mm512_srav_epi32(r, rsh);
  q = _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, one);
  q = _mm512_min_epi32(_mm512_max_epi32(q, lo), hi);
  return _mm512_add_epi32(q, zo);
}

// raw + col_off + row_off, requantized, clamped and stored as nb int8 outputs.
inline void VnniEpilogue(const int32_t* raw, int32_t nb, const BlockParams& bp, int32_t row_off,
                     int32_t zo, int32_t act_min, int32_t act_max, int8_t* out) {
  const __m512i roff = _mm512_set1_epi32(row_off);
  const __m512i lo = _mm512_set1_epi32(act_min - zo), hi = _mm512_set1_epi32(act_max - zo);
  const __m512i vzo = _mm512_set1_epi32(zo);
  for (int32_t j = 0; j < nb; j += 16) {
    __m512i x = _mm512_add_epi32(_mm512_loadu_si512(raw + j),
                                 _mm512_load_si512(bp.col_off + j));
    x = _mm512_add_epi32(x, roff);
    const __m512i r = Requant16(x, _mm512_load_si512(bp.mult + j),
                                _mm512_load_si512(bp.lshift + j),
                                _mm512_load_si512(bp.rshift + j), lo, hi, vzo);
    const int32_t rem = nb - j;
    const __mmask16 m = rem >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << rem) - 1);
    _mm512_mask_cvtepi32_storeu_epi8(out + j, m, r);
  }
}

}  // namespace
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_VNNI_COMMON_H_
