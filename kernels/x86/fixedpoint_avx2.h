// TFLite's integer rescaling on 8 int32 lanes (AVX2), exactly as kernels/fixedpoint.h does it
// per value: SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT. Included only by
// *_avx2.cc files (compiled with -mavx2); internal linkage keeps AVX2 code out of other units.
#ifndef QINFER_KERNELS_X86_FIXEDPOINT_AVX2_H_
#define QINFER_KERNELS_X86_FIXEDPOINT_AVX2_H_

#include <immintrin.h>

#include <cstdint>

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

// (x * m + 2^30) >> 31 per lane, saturating only INT32_MIN * INT32_MIN. The 64-bit product is
// formed for even and odd lanes separately (vpmuldq); an arithmetic floor of the nudged
// product equals gemmlowp's truncating division with a sign-dependent nudge.
inline __m256i Srdhm8(__m256i x, __m256i m) {
  const __m256i nudge = _mm256_set1_epi64x(1LL << 30);
  const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, m), nudge);
  const __m256i po = _mm256_add_epi64(
      _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32)), nudge);
  const __m256i r = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
  const __m256i imin = _mm256_set1_epi32(INT32_MIN);
  const __m256i sat = _mm256_and_si256(_mm256_cmpeq_epi32(x, imin), _mm256_cmpeq_epi32(m, imin));
  return _mm256_blendv_epi8(r, _mm256_set1_epi32(INT32_MAX), sat);
}

// x / 2^e rounded to nearest, ties away from zero; e in [0, 31], the same for every lane.
inline __m256i Rdbp8(__m256i x, int32_t e) {
  const __m256i mask = _mm256_set1_epi32(static_cast<int32_t>((1u << e) - 1u));
  const __m256i rem = _mm256_and_si256(x, mask);
  const __m256i thr = _mm256_add_epi32(_mm256_srai_epi32(mask, 1), _mm256_srli_epi32(x, 31));
  const __m256i q = _mm256_sra_epi32(x, _mm_cvtsi32_si128(e));
  return _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, thr));
}

// MultiplyByQuantizedMultiplier with one multiplier and shift (in [-31, 30]) for all lanes.
struct Rescale8 {
  __m256i mult;
  __m128i left;
  int32_t right;
  Rescale8(int32_t multiplier, int32_t shift)
      : mult(_mm256_set1_epi32(multiplier)),
        left(_mm_cvtsi32_si128(shift > 0 ? shift : 0)),
        right(shift > 0 ? 0 : -shift) {}
  __m256i operator()(__m256i x) const {
    return Rdbp8(Srdhm8(_mm256_sll_epi32(x, left), mult), right);
  }
};

// 8 int32 lanes (already inside int8) to 8 bytes.
inline void Store8Bytes(int8_t* out, __m256i v) {
  const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packs_epi16(p16, p16));
}

}  // namespace
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_FIXEDPOINT_AVX2_H_
