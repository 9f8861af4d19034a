// AVX-512 helpers shared by the VNNI kernel files (gemm_vnni.cc, gemm_packed_vnni.cc); include
// only from files compiled with the VNNI flags. Internal linkage, like driver.h.
#ifndef QINFER_KERNELS_X86_VNNI_COMMON_H_
#define QINFER_KERNELS_X86_VNNI_COMMON_H_

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/driver.h"
#include "kernels/x86/requant_avx512.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

inline __mmask64 TailMask(int32_t rem) {
  return rem >= 64 ? ~0ULL : ((1ULL << rem) - 1);
}

// Sums of a0..a3 in lanes 0..3.
inline __m128i Reduce4(__m512i a0, __m512i a1, __m512i a2, __m512i a3) {
  const __m512i t0 = _mm512_add_epi32(_mm512_unpacklo_epi32(a0, a1), _mm512_unpackhi_epi32(a0, a1));
  const __m512i t1 = _mm512_add_epi32(_mm512_unpacklo_epi32(a2, a3), _mm512_unpackhi_epi32(a2, a3));
  const __m512i u = _mm512_add_epi32(_mm512_unpacklo_epi64(t0, t1), _mm512_unpackhi_epi64(t0, t1));
  const __m256i v = _mm256_add_epi32(_mm512_castsi512_si256(u), _mm512_extracti64x4_epi64(u, 1));
  return _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
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
    const __m512i r = Requant16(bp.rq, j, x, lo, hi, vzo);
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
