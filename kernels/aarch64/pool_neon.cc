// NEON max pooling, average pooling and mean over H, W, vectorized over 16 channels: per
// output pixel, the window part inside the input (padding excluded, as in
// kernels/reference/pooling.cc) is reduced 16 channels at a time; a channel count that is not
// a multiple of 16 ends with a block aligned to the last channel, overlapping the previous
// one (the same bytes written twice). Fewer than 16 channels go to the reference.
//
// Average: window sums in int16 (at most 256 elements of |x| <= 128), then the reference's
// rounding, (|sum| + count/2) / count truncated with the sign of sum, as SQDMULH by
// ceil(2^31 / count): floor(n * m / 2^31) == floor(n / count) because n * count < 2^31
// (n <= 32896, count <= 256). A count of 1 is the sum itself (its m, 2^31, is no int32).
// Mean: int16 sums over runs of up to 256 pixels added into int32, sum(x - zi) =
// sum(x) - H*W*zi wrapping like the reference's accumulator; the folded rounding mode is
// requantized 16 channels at a time, the two dividing modes finish each channel with the
// reference's ref::MeanFromSum.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/aarch64/internal.h"
#include "kernels/aarch64/requant.h"
#include "kernels/reference.h"
#include "kernels/reference/pool_window.h"
#include "kernels/simd_support.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {
namespace {

constexpr int32_t kInt16Run = simd::kMaxInt16SumTerms;
constexpr int32_t kLanes = 16;

struct MaxBlock {
  static constexpr bool kAverage = false;
  static int8x16_t Run(const int8_t* base, int64_t row, int32_t c_count, const PoolWindow& w,
                       const PoolParams&) {
    int8x16_t m = vdupq_n_s8(-128);
    for (int32_t iy = w.y0; iy < w.y1; ++iy) {
      const int8_t* r = base + iy * row;
      for (int32_t ix = w.x0; ix < w.x1; ++ix) {
        m = vmaxq_s8(m, vld1q_s8(r + static_cast<int64_t>(ix) * c_count));
      }
    }
    return m;
  }
};

struct AvgBlock {
  static constexpr bool kAverage = true;
  // (|sum| + count/2) / count with the sign of sum, on four lanes.
  static int32x4_t Divide(int32x4_t sum, int32_t count, int32x4_t magic) {
    const int32x4_t n = vaddq_s32(vabsq_s32(sum), vdupq_n_s32(count / 2));
    const int32x4_t q = count == 1 ? n : vqdmulhq_s32(n, magic);
    const int32x4_t sign = vshrq_n_s32(sum, 31);
    return vsubq_s32(veorq_s32(q, sign), sign);
  }

  static int8x16_t Run(const int8_t* base, int64_t row, int32_t c_count, const PoolWindow& w,
                       const PoolParams&) {
    int16x8_t s0 = vdupq_n_s16(0), s1 = vdupq_n_s16(0);
    for (int32_t iy = w.y0; iy < w.y1; ++iy) {
      const int8_t* r = base + iy * row;
      for (int32_t ix = w.x0; ix < w.x1; ++ix) {
        const int8x16_t v = vld1q_s8(r + static_cast<int64_t>(ix) * c_count);
        s0 = vaddw_s8(s0, vget_low_s8(v));
        s1 = vaddw_high_s8(s1, v);
      }
    }
    const int32_t count = (w.y1 - w.y0) * (w.x1 - w.x0);
    if (count <= 0) return vdupq_n_s8(0);  // as the reference: an all-padding window is 0
    const int32x4_t magic =
        vdupq_n_s32(static_cast<int32_t>(((int64_t{1} << 31) + count - 1) / count));
    const int16x8_t h0 =
        vqmovn_high_s32(vqmovn_s32(Divide(vmovl_s16(vget_low_s16(s0)), count, magic)),
                        Divide(vmovl_high_s16(s0), count, magic));
    const int16x8_t h1 =
        vqmovn_high_s32(vqmovn_s32(Divide(vmovl_s16(vget_low_s16(s1)), count, magic)),
                        Divide(vmovl_high_s16(s1), count, magic));
    return vqmovn_high_s16(vqmovn_s16(h0), h1);  // averages are inside int8
  }
};

template <class Block>
bool RunPool(const PoolParams& p, const Dims4& in, const int8_t* input, const Dims4& out_d,
             int8_t* output) {
  if (!simd::PoolSupported(p, in, out_d, Block::kAverage) || in.c < kLanes) return false;
  const int32_t c_count = in.c;
  const int64_t row = static_cast<int64_t>(in.w) * c_count;
  const int8x16_t lo = vdupq_n_s8(static_cast<int8_t>(p.act_min));
  const int8x16_t hi = vdupq_n_s8(static_cast<int8_t>(p.act_max));
  int8_t* o = output;
  for (int32_t n = 0; n < out_d.n; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * in.h * row;
    for (int32_t oy = 0; oy < out_d.h; ++oy) {
      for (int32_t ox = 0; ox < out_d.w; ++ox, o += c_count) {
        const PoolWindow w = PoolWindowAt(p, in, oy, ox);
        for (int32_t c = 0; c < c_count; c += kLanes) {
          const int32_t c0 = c + kLanes <= c_count ? c : c_count - kLanes;
          const int8x16_t v = Block::Run(in_n + c0, row, c_count, w, p);
          vst1q_s8(o + c0, vminq_s8(vmaxq_s8(v, lo), hi));
        }
      }
    }
  }
  return true;
}

// sum(x) over hw pixels of 16 channels (stride c_count), as 4 x 4 int32 lanes.
void SumPixels(const int8_t* base, int32_t c_count, int32_t hw, int32x4_t (&acc)[4]) {
  for (int32_t i = 0; i < 4; ++i) acc[i] = vdupq_n_s32(0);
  for (int32_t p0 = 0; p0 < hw; p0 += kInt16Run) {
    const int32_t end = hw - p0 < kInt16Run ? hw : p0 + kInt16Run;
    int16x8_t s0 = vdupq_n_s16(0), s1 = vdupq_n_s16(0);
    for (int32_t i = p0; i < end; ++i) {
      const int8x16_t v = vld1q_s8(base + static_cast<int64_t>(i) * c_count);
      s0 = vaddw_s8(s0, vget_low_s8(v));
      s1 = vaddw_high_s8(s1, v);
    }
    acc[0] = vaddw_s16(acc[0], vget_low_s16(s0));
    acc[1] = vaddw_high_s16(acc[1], s0);
    acc[2] = vaddw_s16(acc[2], vget_low_s16(s1));
    acc[3] = vaddw_high_s16(acc[3], s1);
  }
}

}  // namespace

namespace neon {

bool MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  return RunPool<MaxBlock>(p, input_dims, input, output_dims, output);
}

bool AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  return RunPool<AvgBlock>(p, input_dims, input, output_dims, output);
}

bool MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output) {
  const int32_t c_count = input_dims.c, hw = input_dims.h * input_dims.w;
  if (c_count < kLanes || hw <= 0) return false;
  if (!simd::Int8ActivationRange(p.act_min, p.act_max) || !simd::IsInt8(p.output_zero_point)) {
    return false;
  }
  if (!simd::RescaleShiftInRange(p.shift)) return false;
  const bool folded = p.rounding == MeanRounding::kFolded;
  const int32x4_t zero_term = vdupq_n_s32(WrapMul(-hw, p.input_zero_point));
  const int32x4_t mult = vdupq_n_s32(p.multiplier);
  const int32x4_t lshift = vdupq_n_s32(p.shift > 0 ? p.shift : 0);
  const int32x4_t rshift = vdupq_n_s32(p.shift > 0 ? 0 : p.shift);
  const OutputStage os = MakeOutputStage(p.output_zero_point, p.act_min, p.act_max);
  for (int32_t n = 0; n < input_dims.n; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * hw * c_count;
    int8_t* out_n = output + static_cast<int64_t>(n) * c_count;
    for (int32_t c = 0; c < c_count; c += kLanes) {
      const int32_t c0 = c + kLanes <= c_count ? c : c_count - kLanes;
      int32x4_t acc[4];
      SumPixels(in_n + c0, c_count, hw, acc);
      alignas(16) int32_t sums[kLanes];
      for (int32_t i = 0; i < 4; ++i) {
        const int32x4_t sum = vaddq_s32(acc[i], zero_term);
        if (folded) {
          Store4(out_n + c0 + 4 * i, RequantLanes(sum, mult, lshift, rshift, os), 4);
        } else {
          vst1q_s32(sums + 4 * i, sum);
        }
      }
      if (!folded) {
        for (int32_t j = 0; j < kLanes; ++j) out_n[c0 + j] = ref::MeanFromSum(p, sums[j], hw);
      }
    }
  }
  return true;
}

}  // namespace neon
}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer
