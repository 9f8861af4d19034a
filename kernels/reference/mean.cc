// Reference int8 mean over H and W; 1/(H*W) is folded into the multiplier by the converter.
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace ref {

void MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output) {
  const int32_t hw = input_dims.h * input_dims.w;
  const int32_t c_count = input_dims.c;
  for (int32_t n = 0; n < input_dims.n; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * hw * c_count;
    for (int32_t c = 0; c < c_count; ++c) {
      int32_t acc = 0;
      for (int32_t i = 0; i < hw; ++i) {
        acc +=
            static_cast<int32_t>(in_n[static_cast<int64_t>(i) * c_count + c]) - p.input_zero_point;
      }
      const int32_t scaled = MultiplyByQuantizedMultiplier(acc, p.multiplier, p.shift);
      output[static_cast<int64_t>(n) * c_count + c] =
          AddZeroPointAndClamp(scaled, p.output_zero_point, p.act_min, p.act_max);
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
