// Reference int8 fully connected (FORMAT.md 6.3).
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"
#include "kernels/reference/requant_output.h"

namespace qinfer {
namespace kernels {
namespace ref {

void FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output) {
  const int32_t zi = p.input_zero_point;
  const int32_t zw = p.weights_zero_point;
  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* x = input + static_cast<int64_t>(b) * in_features;
    for (int32_t o = 0; o < out_features; ++o) {
      const int8_t* w = weights + static_cast<int64_t>(o) * in_features;
      int32_t acc = bias != nullptr ? bias[o] : 0;
      for (int32_t i = 0; i < in_features; ++i) {
        acc += (static_cast<int32_t>(w[i]) - zw) * (static_cast<int32_t>(x[i]) - zi);
      }
      output[static_cast<int64_t>(b) * out_features + o] =
          RequantOutput(acc, p.requant, o, p.output_zero_point, p.act_min, p.act_max);
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
