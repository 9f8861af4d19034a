// int8 average and max pooling with Helium (MVE), Cortex-M55, sixteen channels at a time per
// output pixel, tail-predicated past the last channel. Average: two VLDRB.S16 (eight
// sign-extended lanes each) and two VADD.I16 per window element; a window of at most 256
// elements keeps every int16 sum exact; the means are the reference's
// (kernels/arm/pool_window.h), channel by channel. Max: VLDRB.8 and VMAX.S8 per window
// element, then the activation clamp (VMAX / VMIN) and a predicated VSTRB. No arena scratch
// (32 bytes of stack for the sums).
#include "kernels/arm/mve.h"

#if defined(__ARM_FEATURE_MVE)

#include <arm_mve.h>

#include "kernels/arm/pool_window.h"

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

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_MVE
