// Reference int8 -> int8 requantization (TFLite QUANTIZE) and concatenation, which
// requantizes inputs whose scale or zero point differs from the output's.
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"
#include "kernels/reference/concat_slices.h"

namespace qinfer {
namespace kernels {
namespace ref {

void Requantize(const RequantizeParams& p, int32_t count, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < count; ++i) {
    const int32_t scaled = MultiplyByQuantizedMultiplier(
        static_cast<int32_t>(input[i]) - p.input_zero_point, p.multiplier, p.shift);
    output[i] = AddZeroPointAndClamp(scaled, p.output_zero_point, -128, 127);
  }
}

void Concatenation(int32_t axis, int32_t num_inputs, const Dims4* input_dims,
                   const int8_t* const* inputs, const RequantizeParams* input_params,
                   const Dims4& output_dims, int8_t* output) {
  ConcatSlices(axis, num_inputs, input_dims, inputs, input_params, output_dims, output,
               [&](int32_t i, int32_t count, const int8_t* in, int8_t* out) {
                 Requantize(input_params[i], count, in, out);
               });
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
