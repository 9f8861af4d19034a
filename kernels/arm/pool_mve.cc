// int8 average and max pooling with Helium (MVE), Cortex-M55, sixteen channels at a time per
// output pixel, tail-predicated past the last channel. Average: two VLDRB.S16 (eight
// sign-extended lanes each) and two VADD.I16 per window element; a window of at most 256
// elements keeps every int16 sum exact; the means are the reference's
// (kernels/arm/pool_window.h), channel by channel. Max: VLDRB.8 and VMAX.S8 per window
// element, then the activation clamp (VMAX / VMIN) and a predicated VSTRB. Mean over H, W:
// the average's sums over runs of 256 pixels, each run added into int32 lanes (VLDRH.S32);
// FOLDED finishes on vectors (see mve.h, with the left shifts MEAN allows), the divide modes
// channel by channel with the reference's ref::MeanFromSum (Helium has no division). No arena
// scratch (at most 64 bytes of stack for the sums).
#include "kernels/arm/mve.h"

#if defined(__ARM_FEATURE_MVE)

#include <arm_mve.h>

#include "kernels/arm/pool_window.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace arm {

void MaxPoolMve(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                const Dims4& output_dims, int8_t* output) {
  const int32_t c_count = input_dims.c;
  const int8x16_t lo = vdupq_n_s8(static_cast<int8_t>(p.act_min));
  const int8x16_t hi = vdupq_n_s8(static_cast<int8_t>(p.act_max));
  // Captures by value: stores through int8_t* may alias anything the loop reads by reference.
  ForEachPoolWindow(p, input_dims, input, output_dims, output,
                    [=](const PoolWindow& win, const int8_t* corner, int32_t row_stride, int8_t* out) {
    for (int32_t c = 0; c < c_count; c += 16) {
      const mve_pred16_t lanes = vctp8q(static_cast<uint32_t>(c_count - c));
      int8x16_t mx = vdupq_n_s8(-128);
      const int8_t* row = corner + c;
      for (int32_t iy = win.y0; iy < win.y1; ++iy, row += row_stride) {
        const int8_t* x = row;
        // Lanes past the last channel load 0 and are never stored.
        for (int32_t k = win.x1 - win.x0; k > 0; --k, x += c_count) mx = vmaxq_s8(mx, vldrbq_z_s8(x, lanes));
      }
      vstrbq_p_s8(out, vminq_s8(vmaxq_s8(mx, lo), hi), lanes);
      out += c_count - c < 16 ? c_count - c : 16;
    }
  });
}

bool AvgPoolMveApplies(const PoolParams& p) {
  return static_cast<int64_t>(p.filter_h) * p.filter_w <= kMaxInt16Window;
}

void AvgPoolMve(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                const Dims4& output_dims, int8_t* output) {
  const int32_t c_count = input_dims.c;
  // Captures by value: stores through int8_t* may alias anything the loop reads by reference.
  ForEachPoolWindow(p, input_dims, input, output_dims, output,
                    [=](const PoolWindow& win, const int8_t* corner, int32_t row_stride, int8_t* out) {
    const int32_t count = win.count();
    for (int32_t c = 0; c < c_count; c += 16) {
      const int32_t left = c_count - c;
      const mve_pred16_t lo = vctp16q(static_cast<uint32_t>(left));
      const mve_pred16_t hi = vctp16q(static_cast<uint32_t>(left > 8 ? left - 8 : 0));
      int16x8_t sum_lo = vdupq_n_s16(0), sum_hi = vdupq_n_s16(0);
      const int8_t* row = corner + c;
      for (int32_t iy = win.y0; iy < win.y1; ++iy, row += row_stride) {
        const int8_t* x = row;
        for (int32_t k = win.x1 - win.x0; k > 0; --k, x += c_count) {
          sum_lo = vaddq_s16(sum_lo, vldrbq_z_s16(x, lo));
          sum_hi = vaddq_s16(sum_hi, vldrbq_z_s16(x + 8, hi));
        }
      }
      int16_t sums[16];
      vst1q_s16(sums, sum_lo);
      vst1q_s16(sums + 8, sum_hi);
      const int32_t lanes = left < 16 ? left : 16;
      for (int32_t j = 0; j < lanes; ++j) *out++ = PoolAverage(sums[j], count, p);
    }
  });
}

namespace {

// Sums `pixels` (<= kMaxInt16Window) pixels, c_count bytes apart from x, of the (up to)
// sixteen channels at x into t[0..3] (four channels each, in order); lanes past the last
// channel (`lanes` counts the real ones) add 0.
template <bool kFull>
inline void AddRun(const int8_t* x, int32_t c_count, int32_t pixels, int32_t lanes, int32x4_t t[4]) {
  const mve_pred16_t lo = vctp16q(static_cast<uint32_t>(lanes));
  const mve_pred16_t hi = vctp16q(static_cast<uint32_t>(lanes > 8 ? lanes - 8 : 0));
  int16x8_t sum_lo = vdupq_n_s16(0), sum_hi = vdupq_n_s16(0);
  for (int32_t k = pixels; k > 0; --k, x += c_count) {
    sum_lo = vaddq_s16(sum_lo, kFull ? vldrbq_s16(x) : vldrbq_z_s16(x, lo));
    sum_hi = vaddq_s16(sum_hi, kFull ? vldrbq_s16(x + 8) : vldrbq_z_s16(x + 8, hi));
  }
  int16_t sums[16];
  vst1q_s16(sums, sum_lo);
  vst1q_s16(sums + 8, sum_hi);
  for (int32_t j = 0; j < 4; ++j) t[j] = vaddq_s32(t[j], vldrhq_s32(sums + 4 * j));
}

}  // namespace

void MeanMve(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output) {
  const int32_t hw = input_dims.h * input_dims.w;
  const int32_t c_count = input_dims.c;
  // sum(x - zi) = sum(x) - hw * zi, wrapping like MeanDsp's (the verifier bounds the true sum).
  const int32_t zero_sum = static_cast<int32_t>(static_cast<uint32_t>(hw) * static_cast<uint32_t>(p.input_zero_point));
  // VQRDMULH is SRDHM for multipliers >= 0 (mve.h); the verifier admits no others.
  const bool on_vectors = p.rounding == MeanRounding::kFolded && p.multiplier >= 0;
  const int32_t left = p.shift > 0 ? p.shift : 0;
  const int32_t right = p.shift > 0 ? 0 : -p.shift;
  const int32x4_t lo = vdupq_n_s32(p.act_min), hi = vdupq_n_s32(p.act_max);
  for (int32_t n = 0; n < input_dims.n; ++n, input += hw * c_count, output += c_count) {
    for (int32_t c = 0; c < c_count; c += 16) {
      const int32_t lanes = c_count - c < 16 ? c_count - c : 16;
      int32x4_t t[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
      for (int32_t i = 0; i < hw; i += kMaxInt16Window) {
        const int32_t run = hw - i < kMaxInt16Window ? hw - i : kMaxInt16Window;
        const int8_t* x = input + i * c_count + c;
        if (lanes == 16) {
          AddRun<true>(x, c_count, run, lanes, t);
        } else {
          AddRun<false>(x, c_count, run, lanes, t);
        }
      }
      for (int32_t j = 0; j < 4; ++j) t[j] = vsubq_n_s32(t[j], zero_sum);
      if (!on_vectors) {
        int32_t sums[16];
        for (int32_t j = 0; j < 4; ++j) vst1q_s32(sums + 4 * j, t[j]);
        for (int32_t j = 0; j < lanes; ++j) output[c + j] = ref::MeanFromSum(p, sums[j], hw);
        continue;
      }
      for (int32_t j = 0; j < 4 && 4 * j < lanes; ++j) {
        // MBQM: the left shift wraps like the reference's; RDBP as in mve.h for right >= 1.
        int32x4_t v = vqrdmulhq_n_s32(vshlq_r_s32(t[j], left), p.multiplier);
        if (right > 0) v = vrshlq_n_s32(vaddq_s32(v, vshrq_n_s32(v, 31)), -right);
        // A saturating add: the clamp below gives what the reference's 64-bit sum gives.
        v = vminq_s32(vmaxq_s32(vqaddq_n_s32(v, p.output_zero_point), lo), hi);
        vstrbq_p_s32(output + c + 4 * j, v, vctp32q(static_cast<uint32_t>(lanes - 4 * j)));
      }
    }
  }
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_MVE
