// Reference 4-D transpose of int8 data.
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace ref {

void Transpose(const int32_t* perm, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  const int64_t in_strides[4] = {
      static_cast<int64_t>(input_dims.h) * input_dims.w * input_dims.c,
      static_cast<int64_t>(input_dims.w) * input_dims.c, input_dims.c, 1};
  // Stepping along output dim d steps along input dim perm[d].
  const int64_t s0 = in_strides[perm[0]], s1 = in_strides[perm[1]];
  const int64_t s2 = in_strides[perm[2]], s3 = in_strides[perm[3]];
  int8_t* out = output;
  for (int32_t a = 0; a < output_dims.n; ++a) {
    for (int32_t b = 0; b < output_dims.h; ++b) {
      for (int32_t c = 0; c < output_dims.w; ++c) {
        const int8_t* in = input + a * s0 + b * s1 + c * s2;
        for (int32_t d = 0; d < output_dims.c; ++d) *out++ = in[d * s3];
      }
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
