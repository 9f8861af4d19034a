// Where one output pixel's filter window lands in the input: the helpers of the kernels that
// gather input patches (conv_dsp.cc, conv_mve.cc) or lines of taps (depthwise_dsp.cc) (internal).
#ifndef QINFER_KERNELS_ARM_PATCH_WINDOW_H_
#define QINFER_KERNELS_ARM_PATCH_WINDOW_H_

#include <cstdint>

namespace qinfer {
namespace kernels {
namespace arm {

// Batch, row and column of the flat NHW output index `pixel`.
struct PixelPos {
  int32_t n, oy, ox;
};

inline PixelPos PixelAt(int32_t pixel, int32_t out_h, int32_t out_w) {
  const int32_t rest = pixel / out_w;
  return PixelPos{rest / out_h, rest % out_h, pixel % out_w};
}

// Taps [lo, hi) of a `taps`-long window, adjacent taps one input apart and tap 0 at input
// index i0, that read inside the input [0, in); the others are padding. lo <= hi.
struct TapRange {
  int32_t lo, hi;
};

inline TapRange InsideTaps(int32_t i0, int32_t taps, int32_t in) {
  int32_t lo = i0 < 0 ? -i0 : 0;
  if (lo > taps) lo = taps;
  int32_t hi = in - i0;
  if (hi > taps) hi = taps;
  if (hi < lo) hi = lo;
  return TapRange{lo, hi};
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_ARM_PATCH_WINDOW_H_
