// TFLite's integer rescaling on 8 int32 lanes (AVX2), exactly as kernels/fixedpoint.h does it
// per value: SaturatingRoundingDoublingHighMul as (x * m + 2^30) >> 31 on the 64-bit products
// of even and odd lanes (vpmuldq; an arithmetic floor of the nudged product equals gemmlowp's
// truncating division with a sign-dependent nudge), then RoundingDivideByPOT. Included only by
// *_avx2.cc files (compiled with -mavx2); internal linkage keeps AVX2 code out of other units.
#ifndef QINFER_KERNELS_X86_FIXEDPOINT_AVX2_H_
#define QINFER_KERNELS_X86_FIXEDPOINT_AVX2_H_

#include <immintrin.h>

#include <cstdint>

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

// MultiplyByQuantizedMultiplier with one multiplier and shift (in [-31, 30]) for all lanes,
// its constants computed once: the left shift and the saturation test are skipped when they
// cannot apply, and one multiplier serves both vpmuldq halves.
struct Rescale8 {
  __m256i mult, rmask, rhalf;
  __m128i left, right;
  bool shift_left, may_saturate;
  Rescale8(int32_t multiplier, int32_t shift)
      : mult(_mm256_set1_epi32(multiplier)),
        rmask(_mm256_set1_epi32(static_cast<int32_t>((1u << (shift > 0 ? 0 : -shift)) - 1u))),
        rhalf(_mm256_srai_epi32(rmask, 1)),
        left(_mm_cvtsi32_si128(shift > 0 ? shift : 0)),
        right(_mm_cvtsi32_si128(shift > 0 ? 0 : -shift)),
        shift_left(shift > 0),
        may_saturate(multiplier == INT32_MIN) {}
  __m256i operator()(__m256i x) const {
    if (shift_left) x = _mm256_sll_epi32(x, left);
    const __m256i nudge = _mm256_set1_epi64x(1LL << 30);
    const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, mult), nudge);
    const __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), mult), nudge);
    __m256i r = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
    if (may_saturate) {
      const __m256i imin = _mm256_set1_epi32(INT32_MIN);
      r = _mm256_blendv_epi8(r, _mm256_set1_epi32(INT32_MAX), _mm256_cmpeq_epi32(x, imin));
    }
    // RoundingDivideByPOT: ties away from zero.
    const __m256i rem = _mm256_and_si256(r, rmask);
    const __m256i thr = _mm256_add_epi32(rhalf, _mm256_srli_epi32(r, 31));
    return _mm256_sub_epi32(_mm256_sra_epi32(r, right), _mm256_cmpgt_epi32(rem, thr));
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
