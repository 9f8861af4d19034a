// MultiplyByQuantizedMultiplier (kernels/fixedpoint.h) on 16 int32 lanes with one rounding
// step instead of two (rescale_once.h: the arithmetic and the range checks callers make).
// Included only by *_vnni.cc files (compiled with AVX-512 flags).
#ifndef QINFER_KERNELS_X86_RESCALE_AVX512_H_
#define QINFER_KERNELS_X86_RESCALE_AVX512_H_

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/rescale_once.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

struct Rescale16 {
  __m512i mult, nudge, half, none;
  __m128i right;

  // `offset` is added to every 64-bit product (a zero point folded in as -z * m).
  Rescale16(int32_t multiplier, int32_t right_shift, int64_t offset = 0)
      : mult(_mm512_set1_epi32(multiplier)),
        nudge(_mm512_set1_epi64(offset + (int64_t{1} << 30) + (RoundingHalf(right_shift) << 31))),
        half(_mm512_set1_epi32(right_shift == 0 ? INT32_MIN : static_cast<int32_t>(RoundingHalf(right_shift)))),
        none(_mm512_set1_epi32(1)),
        right(_mm_cvtsi32_si128(right_shift)) {}

  __m512i operator()(__m512i x) const {
    const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x, mult), nudge);
    const __m512i po = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), mult), nudge);
    // Bits 31..62 of each product: even lanes shifted down, odd lanes shifted up.
    const __m512i q = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31),
                                              _mm512_slli_epi64(po, 1));
    const __mmask16 negative = _mm512_cmplt_epi32_mask(q, half);
    return _mm512_sra_epi32(_mm512_mask_sub_epi32(q, negative, q, none), right);
  }
};

}  // namespace
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_RESCALE_AVX512_H_
