// The part of a pooling filter window that lies inside the input (padded positions are
// excluded): shared by the reference pooling kernels and their optimized twins.
#ifndef QINFER_KERNELS_REFERENCE_POOL_WINDOW_H_
#define QINFER_KERNELS_REFERENCE_POOL_WINDOW_H_

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {

struct PoolWindow {
  int32_t y0, y1, x0, x1;  // half-open input ranges
};

inline PoolWindow PoolWindowAt(const PoolParams& p, const Dims4& in, int32_t oy, int32_t ox) {
  const int32_t y = oy * p.stride_h - p.pad_top;
  const int32_t x = ox * p.stride_w - p.pad_left;
  PoolWindow win;
  win.y0 = y > 0 ? y : 0;
  win.y1 = y + p.filter_h < in.h ? y + p.filter_h : in.h;
  win.x0 = x > 0 ? x : 0;
  win.x1 = x + p.filter_w < in.w ? x + p.filter_w : in.w;
  return win;
}

}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_REFERENCE_POOL_WINDOW_H_
