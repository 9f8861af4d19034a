// AVX-512 mean over height and width (global average pooling), the avx512vnni path (uses
// AVX-512 F/BW only). 64 channels per step, the last block masked: pixels are summed in int16
// lanes, at most 256 per run (|x| <= 128, so no overflow), widened into int32 after each run.
// The folded rounding mode requantizes sum - hw * zi with the multiplier and shift (the
// reference's MeanFromSum for that mode); the other modes divide per channel with
// ref::MeanFromSum itself.
#include <cstdint>

#include "kernels/x86/avx512.h"
#include "kernels/x86/requant_avx512.h"

#include "kernels/reference.h"
#include "kernels/simd_support.h"
#include "kernels/x86/internal.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kBlock = 64;

// Sums of hw pixels (stride c_count bytes) of the channels in m, as 4 x 16 int32 lanes.
void SumPixels(const int8_t* base, int32_t c_count, int32_t hw, __mmask64 m, __m512i (&acc)[4]) {
  for (int i = 0; i < 4; ++i) acc[i] = _mm512_setzero_si512();
  for (int32_t p0 = 0; p0 < hw; p0 += simd::kMaxInt16SumTerms) {
    const int32_t end = hw - p0 < simd::kMaxInt16SumTerms ? hw : p0 + simd::kMaxInt16SumTerms;
    __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
    for (int32_t i = p0; i < end; ++i) {
      const __m512i v = _mm512_maskz_loadu_epi8(m, base + static_cast<int64_t>(i) * c_count);
      s0 = _mm512_add_epi16(s0, _mm512_cvtepi8_epi16(_mm512_castsi512_si256(v)));
      s1 = _mm512_add_epi16(s1, _mm512_cvtepi8_epi16(_mm512_extracti64x4_epi64(v, 1)));
    }
    acc[0] = _mm512_add_epi32(acc[0], _mm512_cvtepi16_epi32(_mm512_castsi512_si256(s0)));
    acc[1] = _mm512_add_epi32(acc[1], _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(s0, 1)));
    acc[2] = _mm512_add_epi32(acc[2], _mm512_cvtepi16_epi32(_mm512_castsi512_si256(s1)));
    acc[3] = _mm512_add_epi32(acc[3], _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(s1, 1)));
  }
}

}  // namespace

namespace vnni {

bool MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output) {
  const int32_t c_count = input_dims.c, hw = input_dims.h * input_dims.w;
  if (c_count <= 0 || hw <= 0) return false;
  if (!simd::Int8ActivationRange(p.act_min, p.act_max) || !simd::IsInt8(p.output_zero_point)) {
    return false;
  }
  if (!simd::RescaleShiftInRange(p.shift)) return false;
  const bool folded = p.rounding == MeanRounding::kFolded;
  RequantLanes<16> rq;
  const Requant one{&p.multiplier, &p.shift, 1};
  rq.Fill(one, 0, 16);
  const __m512i zero_term =
      _mm512_set1_epi32(static_cast<int32_t>(0u - static_cast<uint32_t>(hw) *
                                                      static_cast<uint32_t>(p.input_zero_point)));
  const __m512i zo = _mm512_set1_epi32(p.output_zero_point);
  const __m512i lo = _mm512_set1_epi32(p.act_min - p.output_zero_point);
  const __m512i hi = _mm512_set1_epi32(p.act_max - p.output_zero_point);
  for (int32_t n = 0; n < input_dims.n; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * hw * c_count;
    int8_t* out_n = output + static_cast<int64_t>(n) * c_count;
    for (int32_t c0 = 0; c0 < c_count; c0 += kBlock) {
      const int32_t nb = c_count - c0 < kBlock ? c_count - c0 : kBlock;
      const __mmask64 m = nb == kBlock ? ~__mmask64{0} : (__mmask64{1} << nb) - 1;
      __m512i acc[4];
      SumPixels(in_n + c0, c_count, hw, m, acc);
      alignas(64) int32_t sums[kBlock];
      for (int i = 0; i < 4; ++i) {
        const __m512i sum = _mm512_add_epi32(acc[i], zero_term);
        const __mmask16 mi = static_cast<__mmask16>(m >> (16 * i));
        if (folded) {
          _mm512_mask_cvtepi32_storeu_epi8(out_n + c0 + 16 * i, mi,
                                           Requant16(rq, 0, sum, lo, hi, zo));
        } else {
          _mm512_store_si512(sums + 16 * i, sum);
        }
      }
      if (!folded) {
        for (int32_t j = 0; j < nb; ++j) out_n[c0 + j] = ref::MeanFromSum(p, sums[j], hw);
      }
    }
  }
  return true;
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
