// Reference int8 -> int8 requantization (TFLite QUANTIZE) and concatenation, which
// requantizes inputs whose scale or zero point differs from the output's.
#include <cstring>

#include "kernels/fixedpoint.h"
#include "kernels/reference.h"

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

namespace {

int32_t Dim(const Dims4& d, int32_t axis) {
  return axis == 0 ? d.n : axis == 1 ? d.h : axis == 2 ? d.w : d.c;
}

}  // namespace

void Concatenation(int32_t axis, int32_t num_inputs, const Dims4* input_dims,
                   const int8_t* const* inputs, const RequantizeParams* input_params,
                   const Dims4& output_dims, int8_t* output) {
  // In row-major order the output is `outer` blocks, each the inputs' slices back to back.
  int64_t outer = 1;
  for (int32_t d = 0; d < axis; ++d) outer *= Dim(output_dims, d);
  int64_t inner = 1;
  for (int32_t d = axis + 1; d < 4; ++d) inner *= Dim(output_dims, d);

  int8_t* out = output;
  for (int64_t o = 0; o < outer; ++o) {
    for (int32_t i = 0; i < num_inputs; ++i) {
      const int64_t slice = Dim(input_dims[i], axis) * inner;
      const int8_t* in = inputs[i] + o * slice;
      if (input_params[i].multiplier == 0) {
        if (slice > 0) std::memcpy(out, in, static_cast<size_t>(slice));
      } else {
        Requantize(input_params[i], static_cast<int32_t>(slice), in, out);
      }
      out += slice;
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
