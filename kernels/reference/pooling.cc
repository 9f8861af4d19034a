// Reference int8 max and average pooling (FORMAT.md 6.6). Works on raw int8 values: input
// and output share a zero point, which therefore cannot change the result.
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"
#include "kernels/reference/pool_window.h"

namespace qinfer {
namespace kernels {
namespace ref {
void MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  const int32_t in_h = input_dims.h, in_w = input_dims.w, c_count = input_dims.c;
  int64_t o = 0;
  for (int32_t n = 0; n < output_dims.n; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * in_h * in_w * c_count;
    for (int32_t oy = 0; oy < output_dims.h; ++oy) {
      for (int32_t ox = 0; ox < output_dims.w; ++ox) {
        const PoolWindow win = PoolWindowAt(p, input_dims, oy, ox);
        for (int32_t c = 0; c < c_count; ++c) {
          int32_t mx = -128;
          for (int32_t iy = win.y0; iy < win.y1; ++iy) {
            for (int32_t ix = win.x0; ix < win.x1; ++ix) {
              const int32_t v = in_n[(static_cast<int64_t>(iy) * in_w + ix) * c_count + c];
              mx = v > mx ? v : mx;
            }
          }
          output[o++] = static_cast<int8_t>(Clamp(mx, p.act_min, p.act_max));
        }
      }
    }
  }
}

void AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  const int32_t in_h = input_dims.h, in_w = input_dims.w, c_count = input_dims.c;
  int64_t o = 0;
  for (int32_t n = 0; n < output_dims.n; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * in_h * in_w * c_count;
    for (int32_t oy = 0; oy < output_dims.h; ++oy) {
      for (int32_t ox = 0; ox < output_dims.w; ++ox) {
        const PoolWindow win = PoolWindowAt(p, input_dims, oy, ox);
        const int32_t count = (win.y1 - win.y0) * (win.x1 - win.x0);
        for (int32_t c = 0; c < c_count; ++c) {
          int32_t sum = 0;
          for (int32_t iy = win.y0; iy < win.y1; ++iy) {
            for (int32_t ix = win.x0; ix < win.x1; ++ix) {
              sum += in_n[(static_cast<int64_t>(iy) * in_w + ix) * c_count + c];
            }
          }
          // Ties away from zero, as TFLite does with C's truncating division. A window
          // entirely in the padding cannot occur in a valid model; it yields 0, not a trap.
          int32_t avg = 0;
          if (count > 0) {
            avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
          }
          output[o++] = static_cast<int8_t>(Clamp(avg, p.act_min, p.act_max));
        }
      }
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
