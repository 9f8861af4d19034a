// The loop of concatenation along `axis` of a 4-D shape, shared by the reference and the
// optimized kernels: in row-major order the output is `outer` blocks, each the inputs'
// slices back to back. Input i is copied when its multiplier is 0 (same scale and zero
// point as the output), else `requantize(i, count, in, out)` converts its slice.
#ifndef QINFER_KERNELS_REFERENCE_CONCAT_SLICES_H_
#define QINFER_KERNELS_REFERENCE_CONCAT_SLICES_H_

#include <cstdint>
#include <cstring>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {

inline int32_t DimOf(const Dims4& d, int32_t axis) {
  return axis == 0 ? d.n : axis == 1 ? d.h : axis == 2 ? d.w : d.c;
}

template <class Requantize>
void ConcatSlices(int32_t axis, int32_t num_inputs, const Dims4* input_dims,
                  const int8_t* const* inputs, const RequantizeParams* input_params,
                  const Dims4& output_dims, int8_t* output, Requantize&& requantize) {
  int64_t outer = 1;
  for (int32_t d = 0; d < axis; ++d) outer *= DimOf(output_dims, d);
  int64_t inner = 1;
  for (int32_t d = axis + 1; d < 4; ++d) inner *= DimOf(output_dims, d);
  int8_t* out = output;
  for (int64_t o = 0; o < outer; ++o) {
    for (int32_t i = 0; i < num_inputs; ++i) {
      const int64_t slice = DimOf(input_dims[i], axis) * inner;
      const int8_t* in = inputs[i] + o * slice;
      if (input_params[i].multiplier == 0) {
        if (slice > 0) std::memcpy(out, in, static_cast<size_t>(slice));
      } else {
        requantize(i, static_cast<int32_t>(slice), in, out);
      }
      out += slice;
    }
  }
}

}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_REFERENCE_CONCAT_SLICES_H_
