// MultiplyByQuantizedMultiplier (kernels/fixedpoint.h) on 16 int32 lanes with one rounding
// step instead of two. SaturatingRoundingDoublingHighMul is floor((P + 2^30) / 2^31) for the
// product P = x * m, and RoundingDivideByPOT(r, e) is floor((r + c) / 2^e) with
// c = 2^(e-1) for r >= 0 and 2^(e-1) - 1 for r < 0 (c = 0 for e = 0). Nested floors fold:
// the result is floor((P + 2^30 + c * 2^31) / 2^(31 + e)). The 64-bit product plus the
// constant for r >= 0 gives Q = r + 2^(e-1) after one shift by 31; r < 0 exactly when
// Q < 2^(e-1), and then one is taken off before the final shift by e.
// Exact when the caller has checked that Q fits int32 (|r| + 2^(e-1) < 2^31, see
// Rescale16::QFits) and x * m is not INT32_MIN * INT32_MIN (the one saturating product).
// Included only by *_vnni.cc files (compiled with AVX-512 flags).
#ifndef QINFER_KERNELS_X86_RESCALE_AVX512_H_
#define QINFER_KERNELS_X86_RESCALE_AVX512_H_

#include <immintrin.h>

#include <cstdint>

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
        nudge(_mm512_set1_epi64(offset + (int64_t{1} << 30) + (Half(right_shift) << 31))),
        half(_mm512_set1_epi32(right_shift == 0 ? INT32_MIN : static_cast<int32_t>(Half(right_shift)))),
        none(_mm512_set1_epi32(1)),
        right(_mm_cvtsi32_si128(right_shift)) {}

  static int64_t Half(int32_t e) { return e == 0 ? 0 : int64_t{1} << (e - 1); }

  // Whether every result for |r| <= r_bound keeps Q = r + 2^(e-1) inside int32.
  static bool QFits(int64_t r_bound, int32_t right_shift) {
    return r_bound + Half(right_shift) <= INT32_MAX && -r_bound - 1 >= INT32_MIN;
  }

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
