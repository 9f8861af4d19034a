// Reference int8 constant pad over the 4 NHWC dims.
#include <cstring>

#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace ref {

void Pad(const int32_t* pads, int8_t pad_value, const Dims4& input_dims, const int8_t* input,
         const Dims4& output_dims, int8_t* output) {
  const int32_t c_before = pads[6];
  const int32_t c_in = input_dims.c;
  const int32_t c_after = output_dims.c - c_before - c_in;
  int8_t* out = output;
  for (int32_t n = 0; n < output_dims.n; ++n) {
    const int32_t in_n = n - pads[0];
    for (int32_t h = 0; h < output_dims.h; ++h) {
      const int32_t in_h = h - pads[2];
      for (int32_t w = 0; w < output_dims.w; ++w) {
        const int32_t in_w = w - pads[4];
        const bool inside = in_n >= 0 && in_n < input_dims.n && in_h >= 0 &&
                            in_h < input_dims.h && in_w >= 0 && in_w < input_dims.w;
        if (!inside) {
          std::memset(out, pad_value, static_cast<size_t>(output_dims.c));
        } else {
          const int8_t* in =
              input + ((static_cast<int64_t>(in_n) * input_dims.h + in_h) * input_dims.w + in_w) *
                          c_in;
          std::memset(out, pad_value, static_cast<size_t>(c_before));
          std::memcpy(out + c_before, in, static_cast<size_t>(c_in));
          std::memset(out + c_before + c_in, pad_value, static_cast<size_t>(c_after));
        }
        out += output_dims.c;
      }
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
