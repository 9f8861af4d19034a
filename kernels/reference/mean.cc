// Reference int8 mean over H and W (see MeanParams for the three rounding modes).
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace ref {

// The verifier bounds |MBQM(sum)| + H*W below 2^31, so neither division can overflow.
int8_t MeanFromSum(const MeanParams& p, int32_t sum, int32_t hw) {
  switch (p.rounding) {
    case MeanRounding::kDivideHalfAway: {
      const int32_t scaled = MultiplyByQuantizedMultiplier(sum, p.multiplier, p.shift);
      const int32_t q = scaled > 0 ? (scaled + hw / 2) / hw : (scaled - hw / 2) / hw;
      return AddZeroPointAndClamp(q, p.output_zero_point, p.act_min, p.act_max);
    }
    case MeanRounding::kDivideTruncate:
      return AddZeroPointAndClamp((sum + hw * p.input_zero_point) / hw, 0, p.act_min, p.act_max);
    case MeanRounding::kFolded:
    default:
      return AddZeroPointAndClamp(MultiplyByQuantizedMultiplier(sum, p.multiplier, p.shift),
                                  p.output_zero_point, p.act_min, p.act_max);
  }
}

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
      output[static_cast<int64_t>(n) * c_count + c] = MeanFromSum(p, acc, hw);
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
