// What the optimized average-pooling twins share with ref::AvgPool2D
// (kernels/reference/pooling.cc), restated: a window's in-input part and its rounded mean.
#ifndef QINFER_KERNELS_ARM_POOL_WINDOW_H_
#define QINFER_KERNELS_ARM_POOL_WINDOW_H_

#include <cstdint>

#include "kernels/fixedpoint.h"
#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace arm {

// Half-open input ranges of output pixel (oy, ox)'s window; padded positions excluded.
struct PoolWindow {
  int32_t y0, y1, x0, x1;
  int32_t count() const { return (y1 - y0) * (x1 - x0); }
};

inline PoolWindow PoolWindowAt(const PoolParams& p, const Dims4& in, int32_t oy, int32_t ox) {
  const int32_t y = oy * p.stride_h - p.pad_top;
  const int32_t x = ox * p.stride_w - p.pad_left;
  PoolWindow w;
  w.y0 = y > 0 ? y : 0;
  w.y1 = y + p.filter_h < in.h ? y + p.filter_h : in.h;
  w.x0 = x > 0 ? x : 0;
  w.x1 = x + p.filter_w < in.w ? x + p.filter_w : in.w;
  return w;
}

// The reference's mean: ties away from zero; an empty window gives 0.
inline int8_t PoolAverage(int32_t sum, int32_t count, const PoolParams& p) {
  int32_t avg = 0;
  if (count > 0) avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
  return static_cast<int8_t>(Clamp(avg, p.act_min, p.act_max));
}

// Calls visit(window, corner, row_stride, out) for each output pixel: `corner` is the window's
// first in-input element of channel 0, rows are `row_stride` bytes apart, and `out` the pixel's
// first output byte (NHWC, channels kept).
template <typename Visit>
inline void ForEachPoolWindow(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                              const Dims4& output_dims, int8_t* output, Visit visit) {
  const int32_t row_stride = input_dims.w * input_dims.c;
  for (int32_t n = 0; n < output_dims.n; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * input_dims.h * row_stride;
    for (int32_t oy = 0; oy < output_dims.h; ++oy) {
      for (int32_t ox = 0; ox < output_dims.w; ++ox, output += input_dims.c) {
        const PoolWindow win = PoolWindowAt(p, input_dims, oy, ox);
        visit(win, in_n + win.y0 * row_stride + win.x0 * input_dims.c, row_stride, output);
      }
    }
  }
}

// Windows of at most this many elements: their int8 sums fit int16 lanes exactly.
constexpr int32_t kMaxInt16Window = 256;

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_ARM_POOL_WINDOW_H_
