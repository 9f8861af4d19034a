// Reference int8 depthwise conv2d (FORMAT.md 6.2).
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"
#include "kernels/reference/requant_output.h"

namespace qinfer {
namespace kernels {
namespace ref {

void DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                     const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                     const Dims4& output_dims, int8_t* output) {
  const int32_t in_h = input_dims.h, in_w = input_dims.w, in_c = input_dims.c;
  const int32_t kh = weights_dims.h, kw = weights_dims.w;
  const int32_t out_h = output_dims.h, out_w = output_dims.w, out_c = output_dims.c;
  const int32_t m = p.depth_multiplier;
  const int32_t zi = p.input_zero_point;

  for (int32_t n = 0; n < output_dims.n; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * in_h * in_w * in_c;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix0 = ox * p.stride_w - p.pad_left;
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int32_t ic = oc / m;
          int32_t acc = bias != nullptr ? bias[oc] : 0;
          for (int32_t ky = 0; ky < kh; ++ky) {
            const int32_t iy = iy0 + ky * p.dilation_h;
            if (iy < 0 || iy >= in_h) continue;
            for (int32_t kx = 0; kx < kw; ++kx) {
              const int32_t ix = ix0 + kx * p.dilation_w;
              if (ix < 0 || ix >= in_w) continue;
              const int32_t x = in_n[(static_cast<int64_t>(iy) * in_w + ix) * in_c + ic];
              const int32_t w = weights[(ky * kw + kx) * out_c + oc];
              acc += w * (x - zi);
            }
          }
          output[((static_cast<int64_t>(n) * out_h + oy) * out_w + ox) * out_c + oc] =
              RequantOutput(acc, p.requant, oc, p.output_zero_point, p.act_min, p.act_max);
        }
      }
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
